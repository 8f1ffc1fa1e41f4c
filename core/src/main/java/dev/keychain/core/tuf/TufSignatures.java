package dev.keychain.core.tuf;

import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;

/**
 * Verifies TUF signatures as Notary makes them: {@code ecdsa} is a raw r||s pair over SHA-256,
 * {@code eddsa} is Ed25519, {@code rsapss} is RSASSA-PSS with SHA-256 and a 32-byte salt. The
 * method must fit the key type; anything else does not verify.
 */
final class TufSignatures {
  private TufSignatures() {}

  static boolean verify(TufKey key, String method, byte[] signature, byte[] message) {
    String alg = key.publicKey().getAlgorithm();
    try {
      return switch (method) {
        case "eddsa" ->
            (alg.equals("Ed25519") || alg.equals("EdDSA"))
                && PublicKeys.verifyEd25519(KeyIds.ed25519Raw(key.publicKey()), message, signature);
        case "ecdsa" ->
            alg.equals("EC") && verifyRawEcdsa((ECPublicKey) key.publicKey(), message, signature);
        case "rsapss" -> alg.equals("RSA") && verifyPss(key, message, signature);
        default -> false;
      };
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean verifyRawEcdsa(ECPublicKey key, byte[] message, byte[] raw)
      throws GeneralSecurityException {
    int size = (key.getParams().getOrder().bitLength() + 7) / 8;
    if (raw.length != 2 * size) {
      return false;
    }
    ASN1EncodableVector v = new ASN1EncodableVector();
    v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 0, size))));
    v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, size, raw.length))));
    byte[] der;
    try {
      der = new DERSequence(v).getEncoded();
    } catch (java.io.IOException e) {
      return false;
    }
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initVerify(key);
    s.update(message);
    return s.verify(der);
  }

  private static boolean verifyPss(TufKey key, byte[] message, byte[] signature)
      throws GeneralSecurityException {
    Signature s = Signature.getInstance("RSASSA-PSS");
    s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
    s.initVerify(key.publicKey());
    s.update(message);
    return s.verify(signature);
  }
}
