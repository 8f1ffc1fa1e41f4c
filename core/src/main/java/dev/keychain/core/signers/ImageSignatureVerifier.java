package dev.keychain.core.signers;

import dev.keychain.core.cosign.CosignArtifacts;
import dev.keychain.core.cosign.CosignAttestations;
import dev.keychain.core.cosign.CosignSignature;
import dev.keychain.core.cosign.SimpleSigning;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.core.notation.NotationSignatures;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.core.oci.RegistryException;
import dev.keychain.core.tuf.NotaryTrust;
import dev.keychain.core.tuf.NotaryVerifier;
import dev.keychain.core.tuf.SignedTarget;
import dev.keychain.core.tuf.TufException;
import dev.keychain.core.tuf.TufKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether an image digest carries valid signatures by whitelisted keys, gathering evidence
 * from Notary v1 trust data (the signed target for the tag, or any target with the digest, in any
 * verified role), from cosign signature artifacts and from Notary Project (Notation) signatures,
 * then applying the signer policy. Source failures are noted; when the policy is not met because of
 * one, the decision is a fail-closed denial that is not cached.
 */
public final class ImageSignatureVerifier {
  /** Where signatures are looked for. */
  public record TrustSources(
      Optional<NotaryVerifier> notary,
      Set<String> notaryRootKeyIds,
      boolean cosign,
      boolean notation) {
    public TrustSources(
        Optional<NotaryVerifier> notary, Set<String> notaryRootKeyIds, boolean cosign) {
      this(notary, notaryRootKeyIds, cosign, false);
    }
  }

  private final RegistryClient registry;
  private final Clock clock;

  public ImageSignatureVerifier(RegistryClient registry) {
    this(registry, Clock.systemUTC());
  }

  public ImageSignatureVerifier(RegistryClient registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
  }

  public Verdict verify(
      ImageReference image, String digest, SignerPolicy policy, TrustSources sources) {
    Evidence e = new Evidence();
    sources.notary().ifPresent(n -> notary(n, sources.notaryRootKeyIds(), image, digest, e));
    if (sources.cosign()) {
      cosign(image, digest, policy, e);
    }
    if (sources.notation()) {
      notation(image, digest, policy, e);
    }
    String subject =
        image.digest().isPresent() ? "image " + image : "image " + image + " (" + digest + ")";
    SignerPolicy.Outcome o = policy.apply(e.found);
    if (o.satisfied()) {
      String signed = subject + ": signed by " + String.join(", ", o.matched());
      if (policy.attestations().isEmpty()) {
        return new Verdict(
            true,
            Verdict.Reason.SIGNED,
            image.toString(),
            Optional.of(digest),
            signed,
            o.matched(),
            true);
      }
      return attestations(image, digest, policy, signed, o.matched());
    }
    Verdict.Reason reason;
    String why;
    if (!o.matched().isEmpty()) {
      reason = Verdict.Reason.POLICY_NOT_MET;
      why = o.shortfall() + " (signed by " + String.join(", ", o.matched()) + ")";
    } else if (!o.strangers().isEmpty()) {
      reason = Verdict.Reason.NOT_PERMITTED_KEY;
      List<String> parts = new ArrayList<>();
      for (FoundSigner s : o.strangers()) {
        parts.add(s.keyId() + " is not permitted key ID (" + s.source() + ")");
      }
      why = String.join("; ", parts);
    } else if (e.sourceError != null) {
      reason = e.sourceError;
      why = "signatures could not be verified";
    } else if (e.unknownCosignSignatures > 0) {
      reason = Verdict.Reason.NOT_PERMITTED_KEY;
      why = e.unknownCosignSignatures + " cosign signature(s), none by a whitelisted key";
    } else if (e.tagMoved) {
      reason = Verdict.Reason.TAG_MOVED;
      why = "tag " + image.tag() + " now points to an unsigned digest";
    } else {
      reason = Verdict.Reason.UNSIGNED;
      why = "no signature by a whitelisted key";
    }
    String message =
        subject + ": " + why + (e.notes.isEmpty() ? "" : " [" + String.join("; ", e.notes) + "]");
    return new Verdict(
        false,
        reason,
        image.toString(),
        Optional.of(digest),
        message,
        o.matched(),
        e.sourceError == null);
  }

  /**
   * The verdict on an image whose signatures met the policy, by its attestations: only then are
   * they fetched, so that an unsigned image costs no more than before.
   */
  private Verdict attestations(
      ImageReference image,
      String digest,
      SignerPolicy policy,
      String signed,
      List<String> matched) {
    Set<String> wanted = new java.util.HashSet<>();
    policy.attestations().forEach(a -> wanted.add(a.predicateType()));
    List<CosignAttestations.Stored> stored;
    try {
      stored = CosignAttestations.fetch(registry, image, digest, wanted::contains);
    } catch (RegistryException ex) {
      return new Verdict(
          false,
          ex.sourceUnavailable() ? Verdict.Reason.UNAVAILABLE : Verdict.Reason.TRUST_DATA_INVALID,
          image.toString(),
          Optional.of(digest),
          signed
              + ", but attestations could not be verified [cosign attestations: "
              + ex.getMessage()
              + "]",
          matched,
          false);
    }
    AttestationCheck.Outcome a =
        AttestationCheck.check(stored, policy.attestations(), policy.signers(), digest);
    if (a.satisfied()) {
      return new Verdict(
          true,
          Verdict.Reason.SIGNED,
          image.toString(),
          Optional.of(digest),
          signed + "; attested " + String.join(", ", a.met()),
          matched,
          true);
    }
    List<String> notes = new ArrayList<>(a.notes());
    if (stored.isEmpty()) {
      notes.add("no cosign attestations");
    }
    return new Verdict(
        false,
        Verdict.Reason.ATTESTATION_NOT_MET,
        image.toString(),
        Optional.of(digest),
        signed
            + ", but "
            + String.join("; ", a.unmet())
            + (notes.isEmpty() ? "" : " [" + String.join("; ", notes) + "]"),
        matched,
        true);
  }

  /** What the sources said. */
  private static final class Evidence {
    final List<FoundSigner> found = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    Verdict.Reason sourceError;
    boolean tagMoved;
    int unknownCosignSignatures;

    /** A source could not be consulted (unavailable) or gave data that does not verify. */
    void sourceFailed(boolean unavailable, String note) {
      sourceError = unavailable ? Verdict.Reason.UNAVAILABLE : Verdict.Reason.TRUST_DATA_INVALID;
      notes.add(note);
    }
  }

  private static void notary(
      NotaryVerifier notary, Set<String> pins, ImageReference image, String digest, Evidence e) {
    // The GUNs tried depend on the canonical name only, so that every spelling of the registry
    // gets the same verdict; trust data under any of them is the same repository's.
    List<String> guns = image.notaryGuns();
    NotaryTrust trust = null;
    for (String gun : guns) {
      try {
        trust = notary.verify(gun, pins);
        break;
      } catch (TufException ex) {
        if (ex.reason() != TufException.Reason.NOT_FOUND) {
          e.sourceFailed(
              ex.reason() == TufException.Reason.UNAVAILABLE, "notary: " + ex.getMessage());
          return;
        }
      }
    }
    if (trust == null) {
      e.notes.add("notary has no trust data for " + String.join(" or ", guns));
      return;
    }
    List<SignedTarget> candidates =
        image.digest().isPresent() ? trust.withDigest(digest) : trust.named(image.tag());
    if (candidates.isEmpty()) {
      e.notes.add(
          "notary has no signed target "
              + (image.digest().isPresent() ? "with digest " + digest : "'" + image.tag() + "'"));
    }
    for (SignedTarget t : candidates) {
      if (!t.digest().equals(digest)) {
        e.tagMoved = true;
        e.notes.add("notary role " + t.role() + " signs '" + t.name() + "' as " + t.digest());
        continue;
      }
      for (TufKey k : t.signers()) {
        e.found.add(new FoundSigner("notary role " + t.role(), k.canonicalId(), k.ids()));
      }
    }
    for (String u : trust.unusableRoles()) {
      e.notes.add("notary role " + u);
    }
  }

  private void notation(ImageReference image, String digest, SignerPolicy policy, Evidence e) {
    NotationSignatures.Found found;
    try {
      found = NotationSignatures.fetch(registry, image, digest);
    } catch (RegistryException ex) {
      e.sourceFailed(ex.sourceUnavailable(), "notation: " + ex.getMessage());
      return;
    }
    e.notes.addAll(found.notes());
    Instant now = clock.instant();
    for (NotationSignatures.Stored s : found.signatures()) {
      NotationCheck.check(s, policy.signers(), digest, now, e.notes).ifPresent(e.found::add);
    }
  }

  private void cosign(ImageReference image, String digest, SignerPolicy policy, Evidence e) {
    List<CosignSignature> signatures;
    try {
      signatures = CosignArtifacts.fetch(registry, image, digest);
    } catch (RegistryException ex) {
      e.sourceFailed(ex.sourceUnavailable(), "cosign: " + ex.getMessage());
      return;
    }
    if (signatures.isEmpty()) {
      e.notes.add("no cosign signatures");
    }
    for (CosignSignature sig : signatures) {
      boolean verified = false;
      for (TrustedSigner s : policy.signers()) {
        if (s.publicKey().isEmpty()
            || !PublicKeys.verify(s.publicKey().get(), sig.payload(), sig.signature())) {
          continue;
        }
        verified = true;
        PublicKey key = s.publicKey().get();
        try {
          String named = SimpleSigning.signedDigest(sig.payload());
          if (named.equals(digest)) {
            e.found.add(new FoundSigner("cosign", KeyIds.notaryCanonicalId(key), KeyIds.of(key)));
          } else {
            e.notes.add("cosign signature by " + s.name() + " is for " + named);
          }
        } catch (MalformedJsonException ex) {
          e.notes.add("cosign signature by " + s.name() + ": " + ex.getMessage());
        }
      }
      if (!verified) {
        e.unknownCosignSignatures++;
      }
    }
  }
}
