package dev.keychain.core.signers;

import dev.keychain.core.attest.AttestationRequirement;
import dev.keychain.core.attest.Dsse;
import dev.keychain.core.attest.InTotoStatement;
import dev.keychain.core.attest.PredicateCondition;
import dev.keychain.core.cosign.CosignAttestations;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.keys.PublicKeys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks an image's stored attestations against the required ones. An attestation counts only if a
 * whitelisted key signed its envelope, its statement is about the image's digest and has the
 * required predicate type (from the signed statement, never the unsigned annotation), and its
 * predicate meets every condition. Malformed or unverifiable attestations are ignored and noted.
 */
final class AttestationCheck {
  /** Per requirement, in order: who met it, or why nothing did. */
  record Outcome(List<String> met, List<String> unmet, List<String> notes) {
    boolean satisfied() {
      return unmet.isEmpty();
    }
  }

  private record Checked(InTotoStatement statement, Set<String> signers) {}

  private AttestationCheck() {}

  static Outcome check(
      List<CosignAttestations.Stored> stored,
      List<AttestationRequirement> required,
      List<TrustedSigner> signers,
      String digest) {
    List<String> notes = new ArrayList<>();
    List<Checked> verified = new ArrayList<>();
    for (CosignAttestations.Stored s : stored) {
      verify(s, signers, digest, notes).ifPresent(verified::add);
    }
    List<String> met = new ArrayList<>();
    List<String> unmet = new ArrayList<>();
    for (AttestationRequirement r : required) {
      Map<String, String> why = new LinkedHashMap<>();
      String by = null;
      for (Checked c : verified) {
        if (!c.statement().predicateType().equals(r.predicateType())) {
          continue;
        }
        Set<String> allowed = new LinkedHashSet<>(c.signers());
        if (!r.signers().isEmpty()) {
          allowed.retainAll(r.signers());
        }
        if (allowed.isEmpty()) {
          why.putIfAbsent(
              "signer",
              "signed by " + String.join(", ", c.signers()) + ", not by a required signer");
          continue;
        }
        List<String> failed = new ArrayList<>();
        for (PredicateCondition condition : r.conditions()) {
          condition.unmet(c.statement().predicate()).ifPresent(failed::add);
        }
        if (failed.isEmpty()) {
          by = String.join("/", allowed);
          break;
        }
        why.putIfAbsent(
            String.join(";", failed),
            String.join("; ", failed) + " (signed by " + String.join(", ", allowed) + ")");
      }
      if (by != null) {
        met.add(r.name() + " by " + by);
      } else {
        unmet.add(
            r.describe()
                + " required: "
                + (why.isEmpty()
                    ? "none of type " + r.predicateType() + " by a whitelisted key"
                    : String.join("; ", why.values())));
      }
    }
    return new Outcome(met, unmet, notes);
  }

  private static Optional<Checked> verify(
      CosignAttestations.Stored s, List<TrustedSigner> signers, String digest, List<String> notes) {
    Dsse.Envelope envelope;
    try {
      envelope = Dsse.parse(s.envelope(), "attestation " + s.where());
    } catch (MalformedJsonException e) {
      notes.add(e.getMessage());
      return Optional.empty();
    }
    if (!envelope.payloadType().equals(Dsse.IN_TOTO)) {
      notes.add("attestation " + s.where() + ": payloadType is not " + Dsse.IN_TOTO);
      return Optional.empty();
    }
    byte[] signed = envelope.signedBytes();
    Set<String> by = new LinkedHashSet<>();
    for (TrustedSigner t : signers) {
      if (t.publicKey().isEmpty()) {
        continue;
      }
      for (byte[] sig : envelope.signatures()) {
        if (PublicKeys.verify(t.publicKey().get(), signed, sig)) {
          by.add(t.name());
          break;
        }
      }
    }
    if (by.isEmpty()) {
      notes.add("attestation " + s.where() + ": signed by no whitelisted key");
      return Optional.empty();
    }
    InTotoStatement statement;
    try {
      statement =
          InTotoStatement.parse(envelope.payload(), "attestation " + s.where() + " statement");
    } catch (MalformedJsonException e) {
      notes.add(e.getMessage());
      return Optional.empty();
    }
    if (!statement.covers(digest)) {
      notes.add(
          "attestation "
              + s.where()
              + " by "
              + String.join(", ", by)
              + " is about "
              + String.join(", ", statement.subjectDigests().stream().limit(3).toList())
              + (statement.subjectDigests().size() > 3 ? ", ..." : "")
              + ", not "
              + digest);
      return Optional.empty();
    }
    return Optional.of(new Checked(statement, by));
  }
}
