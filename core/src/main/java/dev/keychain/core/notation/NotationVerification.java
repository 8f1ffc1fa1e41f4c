package dev.keychain.core.notation;

import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.json.UntrustedJson;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * Checks a Notary Project signature on its own: the signing scheme, expiry, a chain in which each
 * certificate is issued by the next and all are valid now (scheme notary.x509 has no timestamp, so
 * the specification checks at verification time), a leaf fit for code signing, the signature under
 * the leaf's key, and a payload naming the image digest. Whether the signer is trusted is decided
 * after, by the whitelist.
 */
public final class NotationVerification {
  static final String CODE_SIGNING = "1.3.6.1.5.5.7.3.3";

  private NotationVerification() {}

  /** Throws, saying why, unless the signature is sound and for {@code digest}. */
  public static void verify(NotationSignature s, String digest, Instant now)
      throws NotationFormatException {
    if (!s.signingScheme().equals(NotationSignature.SCHEME_X509)) {
      throw new NotationFormatException(
          "signing scheme "
              + s.signingScheme()
              + " needs a timestamp authority, which is not supported (use notary.x509)");
    }
    if (s.expiry().isPresent() && now.isAfter(s.expiry().get())) {
      throw new NotationFormatException("signature expired at " + s.expiry().get());
    }
    List<X509Certificate> chain = s.chain();
    for (int i = 0; i < chain.size(); i++) {
      X509Certificate c = chain.get(i);
      try {
        c.checkValidity(Date.from(now));
      } catch (CertificateExpiredException e) {
        throw new NotationFormatException(
            "certificate " + subject(c) + " expired at " + c.getNotAfter().toInstant());
      } catch (CertificateNotYetValidException e) {
        throw new NotationFormatException(
            "certificate " + subject(c) + " is not valid before " + c.getNotBefore().toInstant());
      }
      if (i + 1 < chain.size()) {
        X509Certificate issuer = chain.get(i + 1);
        if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())
            || !signedBy(c, issuer.getPublicKey())) {
          throw new NotationFormatException(
              "certificate chain does not chain: "
                  + subject(c)
                  + " is not issued by "
                  + subject(issuer));
        }
        if (issuer.getBasicConstraints() < 0) {
          throw new NotationFormatException(
              "certificate " + subject(issuer) + " issues others but is not a CA");
        }
      } else if (c.getIssuerX500Principal().equals(c.getSubjectX500Principal())
          && !signedBy(c, c.getPublicKey())) {
        throw new NotationFormatException(
            "self-issued certificate " + subject(c) + " is not signed by its own key");
      }
    }
    X509Certificate leaf = chain.get(0);
    boolean[] usage = leaf.getKeyUsage();
    if (usage != null && !usage[0]) {
      throw new NotationFormatException(
          "leaf certificate " + subject(leaf) + " is not for digital signatures (keyUsage)");
    }
    try {
      List<String> eku = leaf.getExtendedKeyUsage();
      if (eku != null && !eku.contains(CODE_SIGNING)) {
        throw new NotationFormatException(
            "leaf certificate " + subject(leaf) + " is not for code signing (extendedKeyUsage)");
      }
    } catch (java.security.cert.CertificateParsingException e) {
      throw new NotationFormatException("leaf certificate extendedKeyUsage is malformed");
    }
    PublicKey key = leaf.getPublicKey();
    var unsuitable = s.algorithm().unsuitable(key);
    if (unsuitable.isPresent()) {
      throw new NotationFormatException(unsuitable.get());
    }
    if (!s.algorithm().verify(key, s.signedBytes(), s.signature())) {
      throw new NotationFormatException(
          "signature does not verify under the key of " + subject(leaf));
    }
    String signed = targetDigest(s.payload());
    if (!signed.equals(digest)) {
      throw new NotationFormatException("signature is for " + signed + ", not " + digest);
    }
  }

  /** The digest the payload's targetArtifact names. */
  static String targetDigest(byte[] payload) throws NotationFormatException {
    try {
      UntrustedJson doc = UntrustedJson.parse(payload, "signature payload");
      var target = doc.object(doc.root(), "targetArtifact", "");
      doc.text(target, "mediaType", "targetArtifact");
      String digest = doc.text(target, "digest", "targetArtifact");
      if (!digest.matches("sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")) {
        throw doc.error("targetArtifact.digest", "is not a sha256 or sha512 digest");
      }
      return digest;
    } catch (MalformedJsonException e) {
      throw new NotationFormatException(e.getMessage());
    }
  }

  private static boolean signedBy(X509Certificate c, PublicKey key) {
    try {
      c.verify(key);
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** A certificate's subject as RFC 2253 prints it, for messages. */
  public static String subject(X509Certificate c) {
    return c.getSubjectX500Principal().getName();
  }
}
