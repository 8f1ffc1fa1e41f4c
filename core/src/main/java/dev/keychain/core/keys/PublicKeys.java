package dev.keychain.core.keys;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Parses public keys from PEM or DER and verifies signatures with them (ECDSA over SHA-256/384,
 * Ed25519, RSA). Errors name what is wrong with the input, never echo it.
 */
public final class PublicKeys {
  private PublicKeys() {}

  /** A key from a PEM {@code PUBLIC KEY} block or the key of a PEM {@code CERTIFICATE}. */
  public static PublicKey fromPem(String pem) {
    if (pem == null || pem.isBlank()) {
      throw new IllegalArgumentException("PEM is empty");
    }
    String text = pem.trim();
    if (text.startsWith("-----BEGIN CERTIFICATE-----")) {
      return certificate(text.getBytes(StandardCharsets.US_ASCII)).getPublicKey();
    }
    String begin = "-----BEGIN PUBLIC KEY-----";
    String end = "-----END PUBLIC KEY-----";
    if (!text.startsWith(begin) || !text.endsWith(end)) {
      throw new IllegalArgumentException(
          "PEM must be one PUBLIC KEY or CERTIFICATE block (BEGIN/END lines missing or other type)");
    }
    String body = text.substring(begin.length(), text.length() - end.length());
    if (body.contains("-----")) {
      throw new IllegalArgumentException("PEM must hold exactly one block");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("PEM body is not valid base64");
    }
    return fromSpki(der);
  }

  /** A key from its DER SubjectPublicKeyInfo (EC, RSA or Ed25519). */
  public static PublicKey fromSpki(byte[] der) {
    for (String algorithm : new String[] {"EC", "Ed25519", "RSA"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException("not an EC, Ed25519 or RSA SubjectPublicKeyInfo");
  }

  /** An X.509 certificate from PEM or DER. */
  public static X509Certificate certificate(byte[] pemOrDer) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(pemOrDer));
    } catch (CertificateException | ClassCastException e) {
      throw new IllegalArgumentException("not a valid X.509 certificate");
    }
  }

  /**
   * Verifies an ASN.1 DER ECDSA, Ed25519 or RSA PKCS#1 v1.5 signature over {@code message}; the
   * digest follows the key (SHA-256, SHA-384 for P-384). False on any mismatch or malformed input.
   */
  public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
    try {
      return switch (key.getAlgorithm()) {
        case "Ed25519", "EdDSA" -> verifyEd25519(KeyIds.ed25519Raw(key), message, signature);
        case "EC" -> jca(ecdsaAlgorithm(key), key, message, signature);
        case "RSA" -> jca("SHA256withRSA", key, message, signature);
        default -> false;
      };
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  static boolean jca(String algorithm, PublicKey key, byte[] message, byte[] signature)
      throws GeneralSecurityException {
    Signature s = Signature.getInstance(algorithm);
    s.initVerify(key);
    s.update(message);
    return s.verify(signature);
  }

  static String ecdsaAlgorithm(PublicKey key) {
    int bits = ((java.security.interfaces.ECPublicKey) key).getParams().getOrder().bitLength();
    return bits > 256 ? "SHA384withECDSA" : "SHA256withECDSA";
  }

  public static boolean verifyEd25519(byte[] rawKey, byte[] message, byte[] signature) {
    if (rawKey.length != 32 || signature.length != 64) {
      return false;
    }
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, new Ed25519PublicKeyParameters(rawKey, 0));
    verifier.update(message, 0, message.length);
    return verifier.verifySignature(signature);
  }
}
