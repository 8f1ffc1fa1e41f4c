package dev.keychain.core.signers;

import dev.keychain.core.crypto.Hashes;
import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.notation.DistinguishedNames;
import dev.keychain.core.notation.NotationEnvelopes;
import dev.keychain.core.notation.NotationFormatException;
import dev.keychain.core.notation.NotationSignature;
import dev.keychain.core.notation.NotationSignatures;
import dev.keychain.core.notation.NotationVerification;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns an image's Notary Project signatures into found signers. A sound signature (see {@link
 * NotationVerification}) is found under the IDs of its leaf key and the leaf certificate's SHA-256
 * thumbprint, and under the key ID of every whitelisted CA signer whose key anchors the chain and
 * whose subject is the leaf's. A whitelisted signer with a subject never matches a leaf of another
 * subject, even by its own key.
 */
final class NotationCheck {
  private NotationCheck() {}

  static Optional<FoundSigner> check(
      NotationSignatures.Stored stored,
      List<TrustedSigner> signers,
      String digest,
      Instant now,
      List<String> notes) {
    NotationSignature s;
    try {
      s = NotationEnvelopes.parse(stored.mediaType(), stored.envelope(), stored.where());
    } catch (NotationFormatException e) {
      notes.add(e.getMessage()); // names where
      return Optional.empty();
    }
    try {
      NotationVerification.verify(s, digest, now);
    } catch (NotationFormatException e) {
      notes.add(stored.where() + ": " + e.getMessage());
      return Optional.empty();
    }
    X509Certificate leaf = s.chain().get(0);
    Set<String> ids = new LinkedHashSet<>(KeyIds.of(leaf.getPublicKey()));
    ids.add(thumbprint(leaf));
    for (TrustedSigner t : signers) {
      if (t.subject().isEmpty()) {
        continue;
      }
      boolean sameSubject =
          DistinguishedNames.same(t.subject().get(), leaf.getSubjectX500Principal());
      if (sameSubject && anchors(t.publicKey().get(), s.chain())) {
        ids.add(t.keyId());
      } else {
        ids.remove(t.keyId());
      }
    }
    return Optional.of(
        new FoundSigner(
            "notation " + s.format(),
            KeyIds.spkiFingerprint(leaf.getPublicKey()),
            Set.copyOf(ids)));
  }

  /** Whether {@code ca} is the key of a certificate of the chain or signed its last one. */
  private static boolean anchors(PublicKey ca, List<X509Certificate> chain) {
    for (X509Certificate c : chain) {
      if (Arrays.equals(c.getPublicKey().getEncoded(), ca.getEncoded())) {
        return true;
      }
    }
    try {
      chain.get(chain.size() - 1).verify(ca);
      return true;
    } catch (java.security.GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  static String thumbprint(X509Certificate c) {
    try {
      return HexFormat.of().formatHex(Hashes.sha256(c.getEncoded()));
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }
}
