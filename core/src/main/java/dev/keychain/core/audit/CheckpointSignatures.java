package dev.keychain.core.audit;

import dev.keychain.core.crypto.Encoder;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Optional Ed25519 signatures on checkpoints, for offline verification: anyone with the public key
 * can check a copy of the log (sizes, roots, signatures) without K_0 or the operator. The MACs stay
 * the forward-secure part; a stolen signing key lets an attacker sign new checkpoints, so signed
 * checkpoints complement, not replace, the MACed ones.
 */
public final class CheckpointSignatures {
  public static final int SIGNATURE_BYTES = 64;

  private CheckpointSignatures() {}

  static byte[] content(Checkpoint c) {
    return Encoder.of("keychain.dev/v1/audit-checkpoint-signature")
        .add(c.macInput())
        .add(c.mac())
        .toByteArray();
  }

  public static byte[] sign(Checkpoint c, Ed25519PrivateKeyParameters key) {
    byte[] content = content(c);
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, key);
    signer.update(content, 0, content.length);
    return signer.generateSignature();
  }

  public static boolean verify(Checkpoint c, byte[] signature, byte[] publicKey) {
    if (signature.length != SIGNATURE_BYTES
        || publicKey.length != Ed25519PublicKeyParameters.KEY_SIZE) {
      return false;
    }
    byte[] content = content(c);
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
    verifier.update(content, 0, content.length);
    return verifier.verifySignature(signature);
  }
}
