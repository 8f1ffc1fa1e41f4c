package dev.keychain.core.envelope;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.Provider;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-GCM with 96-bit random nonces and 128-bit tags, on any JCA provider (SunJCE or PKCS#11; null
 * is the default provider). Envelopes and shared items use it.
 */
public final class AesGcm {
  public static final int NONCE_BYTES = 12;
  static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private AesGcm() {}

  public static byte[] nonce() {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    return nonce;
  }

  public static byte[] encrypt(
      Provider provider, Key key, byte[] nonce, byte[] plaintext, byte[] aad) {
    try {
      Cipher cipher = cipher(provider);
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad);
      return cipher.doFinal(plaintext);
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(
          EnvelopeException.Reason.PROVIDER_FAILURE, "AES-GCM encryption failed: " + e, e);
    }
  }

  public static byte[] decrypt(
      Provider provider, Key key, byte[] nonce, byte[] ciphertext, byte[] aad, String what) {
    if (nonce.length != NONCE_BYTES || ciphertext.length < TAG_BITS / 8) {
      throw new EnvelopeException(
          EnvelopeException.Reason.MALFORMED, what + ": nonce or ciphertext has the wrong length");
    }
    try {
      Cipher cipher = cipher(provider);
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad);
      return cipher.doFinal(ciphertext);
    } catch (AEADBadTagException e) {
      throw new EnvelopeException(
          EnvelopeException.Reason.AUTHENTICATION_FAILED,
          what + ": authentication failed (tampered, or sealed for another context or KEK)");
    } catch (GeneralSecurityException e) {
      // PKCS#11 reports a bad tag as a ProviderException/GeneralSecurityException of its own.
      throw new EnvelopeException(
          EnvelopeException.Reason.AUTHENTICATION_FAILED,
          what + ": decryption failed (" + e.getClass().getSimpleName() + ")");
    } catch (java.security.ProviderException e) {
      throw new EnvelopeException(
          EnvelopeException.Reason.AUTHENTICATION_FAILED,
          what + ": decryption failed in the provider (" + e.getMessage() + ")");
    }
  }

  private static Cipher cipher(Provider provider) throws GeneralSecurityException {
    return provider == null
        ? Cipher.getInstance("AES/GCM/NoPadding")
        : Cipher.getInstance("AES/GCM/NoPadding", provider);
  }
}
