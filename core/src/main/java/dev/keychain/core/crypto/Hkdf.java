package dev.keychain.core.crypto;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869). {@link #extract} and {@link #expand} are separate so that a
 * pseudo-random key can be extracted once and expanded many times (one HMAC per derived key).
 */
public final class Hkdf {
  public static final int HASH_LENGTH = 32;
  private static final String HMAC = "HmacSHA256";

  private Hkdf() {}

  /** PRK = HMAC(salt, ikm). An empty salt means a string of zeros, as the RFC says. */
  public static byte[] extract(byte[] salt, byte[] ikm) {
    Mac mac = mac(salt.length == 0 ? new byte[HASH_LENGTH] : salt);
    return mac.doFinal(ikm);
  }

  /** OKM of {@code length} bytes from PRK and info. */
  public static byte[] expand(byte[] prk, byte[] info, int length) {
    return expand(mac(prk), info, length);
  }

  /** As {@link #expand(byte[], byte[], int)} with a Mac already keyed with the PRK (reused). */
  public static byte[] expand(Mac keyedWithPrk, byte[] info, int length) {
    if (length <= 0 || length > 255 * HASH_LENGTH) {
      throw new IllegalArgumentException("HKDF output length out of range: " + length);
    }
    byte[] out = new byte[length];
    byte[] block = new byte[0];
    int offset = 0;
    try {
      for (int counter = 1; offset < length; counter++) {
        keyedWithPrk.update(block);
        keyedWithPrk.update(info);
        keyedWithPrk.update((byte) counter);
        Arrays.fill(block, (byte) 0);
        block = keyedWithPrk.doFinal();
        int n = Math.min(block.length, length - offset);
        System.arraycopy(block, 0, out, offset, n);
        offset += n;
      }
      return out;
    } finally {
      Arrays.fill(block, (byte) 0);
    }
  }

  /** Extract then expand. */
  public static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
    byte[] prk = extract(salt, ikm);
    try {
      return expand(prk, info, length);
    } finally {
      Arrays.fill(prk, (byte) 0);
    }
  }

  /** A new HMAC-SHA256 keyed with {@code key}. */
  public static Mac mac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** HMAC-SHA256(key, data). */
  public static byte[] hmac(byte[] key, byte[]... data) {
    Mac mac = mac(key);
    for (byte[] d : data) {
      mac.update(d);
    }
    return mac.doFinal();
  }
}
