package dev.keychain.core.auth;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The master's (operator's) long-term identity: a signing key (Ed25519 or ECDSA P-256) and its
 * certificate chain, leaf first, which agents check against the CA bundle injected with them.
 */
public final class MasterIdentity {
  private final PrivateKey key;
  private final List<X509Certificate> chain;
  private final List<String> encodedChain;

  public MasterIdentity(PrivateKey key, List<X509Certificate> chain) {
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("master identity needs a certificate");
    }
    this.key = key;
    this.chain = List.copyOf(chain);
    List<String> encoded = new ArrayList<>();
    for (X509Certificate c : chain) {
      try {
        encoded.add(Wire.b64(c.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalArgumentException("cannot encode master certificate", e);
      }
    }
    this.encodedChain = List.copyOf(encoded);
    signatureAlgorithm(key.getAlgorithm()); // fail early on an unsupported key type
  }

  List<String> encodedChain() {
    return encodedChain;
  }

  public X509Certificate certificate() {
    return chain.get(0);
  }

  byte[] sign(byte[] content) {
    try {
      Signature signature = Signature.getInstance(signatureAlgorithm(key.getAlgorithm()));
      signature.initSign(key);
      signature.update(content);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign handshake transcript", e);
    }
  }

  /** The signature algorithm for a key algorithm: Ed25519, or ECDSA with SHA-256. */
  static String signatureAlgorithm(String keyAlgorithm) {
    return switch (keyAlgorithm) {
      case "Ed25519", "EdDSA" -> "Ed25519";
      case "EC" -> "SHA256withECDSA";
      default ->
          throw new IllegalArgumentException(
              "master identity key must be Ed25519 or EC P-256, not " + keyAlgorithm);
    };
  }

  @Override
  public String toString() {
    return "MasterIdentity[" + certificate().getSubjectX500Principal().getName() + "]";
  }
}
