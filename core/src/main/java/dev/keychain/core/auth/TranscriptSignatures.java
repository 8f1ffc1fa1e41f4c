package dev.keychain.core.auth;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * Signs and verifies handshake transcripts with Ed25519 (BouncyCastle's RFC 8032 code, several
 * times faster than the JDK's) or ECDSA P-256 with SHA-256 (JCA).
 */
final class TranscriptSignatures {
  private TranscriptSignatures() {}

  /** A signer bound to one private key. */
  interface Signer {
    byte[] sign(byte[] content);
  }

  static Signer signer(PrivateKey key) {
    String algorithm = key.getAlgorithm();
    if (algorithm.equals("Ed25519") || algorithm.equals("EdDSA")) {
      Ed25519PrivateKeyParameters params = (Ed25519PrivateKeyParameters) parsePrivate(key);
      return content -> {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, params);
        signer.update(content, 0, content.length);
        return signer.generateSignature();
      };
    }
    if (algorithm.equals("EC")) {
      return content -> {
        try {
          Signature signature = Signature.getInstance("SHA256withECDSA");
          signature.initSign(key);
          signature.update(content);
          return signature.sign();
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("cannot sign handshake transcript", e);
        }
      };
    }
    throw new IllegalArgumentException(
        "master identity key must be Ed25519 or EC P-256, not " + algorithm);
  }

  static boolean verify(PublicKey key, byte[] content, byte[] signature)
      throws GeneralSecurityException {
    String algorithm = key.getAlgorithm();
    if (algorithm.equals("Ed25519") || algorithm.equals("EdDSA")) {
      Ed25519PublicKeyParameters params;
      try {
        params = (Ed25519PublicKeyParameters) PublicKeyFactory.createKey(key.getEncoded());
      } catch (IOException | ClassCastException e) {
        throw new GeneralSecurityException("not an Ed25519 public key");
      }
      Ed25519Signer verifier = new Ed25519Signer();
      verifier.init(false, params);
      verifier.update(content, 0, content.length);
      return verifier.verifySignature(signature);
    }
    if (algorithm.equals("EC")) {
      Signature verifier = Signature.getInstance("SHA256withECDSA");
      verifier.initVerify(key);
      verifier.update(content);
      return verifier.verify(signature);
    }
    throw new GeneralSecurityException("unsupported master key algorithm " + algorithm);
  }

  private static AsymmetricKeyParameter parsePrivate(PrivateKey key) {
    try {
      return PrivateKeyFactory.createKey(key.getEncoded());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read master identity key", e);
    }
  }
}
