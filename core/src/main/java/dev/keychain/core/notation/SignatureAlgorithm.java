package dev.keychain.core.notation;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;

/**
 * The algorithms the Notary Project signature specification allows: RSASSA-PSS with SHA-256/384/512
 * (salt as long as the hash) and ECDSA on P-256/384/521 with the matching hash. A key of another
 * type or size than its algorithm names does not verify.
 */
public enum SignatureAlgorithm {
  PS256("SHA-256", 32, -37, 0),
  PS384("SHA-384", 48, -38, 0),
  PS512("SHA-512", 64, -39, 0),
  ES256("SHA-256", 32, -7, 256),
  ES384("SHA-384", 48, -35, 384),
  ES512("SHA-512", 64, -36, 521);

  private final String hash;
  private final int hashBytes;
  private final long coseId;
  private final int curveBits;

  SignatureAlgorithm(String hash, int hashBytes, long coseId, int curveBits) {
    this.hash = hash;
    this.hashBytes = hashBytes;
    this.coseId = coseId;
    this.curveBits = curveBits;
  }

  /** The algorithm a JWS {@code alg} names. */
  static Optional<SignatureAlgorithm> ofJws(String alg) {
    for (SignatureAlgorithm a : values()) {
      if (a.name().equals(alg)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  /** The algorithm a COSE {@code alg} (header 1) names. */
  static Optional<SignatureAlgorithm> ofCose(long id) {
    for (SignatureAlgorithm a : values()) {
      if (a.coseId == id) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  boolean ecdsa() {
    return curveBits > 0;
  }

  /** Why {@code key} cannot be used with this algorithm; empty if it can. */
  public Optional<String> unsuitable(PublicKey key) {
    if (ecdsa()) {
      if (!(key instanceof ECPublicKey ec)) {
        return Optional.of(name() + " needs an EC key, not " + key.getAlgorithm());
      }
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      return bits == curveBits
          ? Optional.empty()
          : Optional.of(name() + " needs a " + curveBits + "-bit curve, not " + bits + "-bit");
    }
    if (!(key instanceof RSAPublicKey rsa)) {
      return Optional.of(name() + " needs an RSA key, not " + key.getAlgorithm());
    }
    return rsa.getModulus().bitLength() >= 2048
        ? Optional.empty()
        : Optional.of("RSA keys shorter than 2048 bits are not accepted");
  }

  /** Whether {@code signature} (JCA form) over {@code message} verifies under {@code key}. */
  public boolean verify(PublicKey key, byte[] message, byte[] signature) {
    if (unsuitable(key).isPresent()) {
      return false;
    }
    try {
      Signature s;
      if (ecdsa()) {
        s = Signature.getInstance(hash.replace("-", "") + "withECDSA");
      } else {
        s = Signature.getInstance("RSASSA-PSS");
        s.setParameter(
            new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), hashBytes, 1));
      }
      s.initVerify(key);
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The JCA form of a signature as JWS and COSE carry it: ECDSA's fixed-size {@code r||s} becomes
   * DER; RSA signatures are unchanged.
   */
  byte[] toJca(byte[] raw) throws NotationFormatException {
    if (!ecdsa()) {
      return raw;
    }
    int half = (curveBits + 7) / 8;
    if (raw.length != 2 * half) {
      throw new NotationFormatException(
          name() + " signature must be " + (2 * half) + " bytes, not " + raw.length);
    }
    ASN1EncodableVector v = new ASN1EncodableVector();
    v.add(new ASN1Integer(new BigInteger(1, java.util.Arrays.copyOfRange(raw, 0, half))));
    v.add(new ASN1Integer(new BigInteger(1, java.util.Arrays.copyOfRange(raw, half, raw.length))));
    try {
      return new DERSequence(v).getEncoded();
    } catch (java.io.IOException e) {
      throw new NotationFormatException(name() + " signature cannot be encoded");
    }
  }
}
