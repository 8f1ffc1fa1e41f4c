package dev.keychain.core.envelope;

import dev.keychain.core.chain.KeyId;
import dev.keychain.core.crypto.Hkdf;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import java.util.Arrays;

/**
 * Envelope encryption of stored keys (seed 004, DESIGN.md section 3): the stored form is {@code
 * AEAD_KEK(key XOR mask)}, where the mask is derived from the tenant's share with HKDF over the
 * key's context. Opening needs both the KEK (in the key provider, possibly an HSM) and the tenant
 * share: whoever holds only one of them learns nothing about the key. Plain keys exist only in
 * memory, and every intermediate buffer is zeroed.
 */
public final class Envelope {
  private static final byte[] MASK_SALT =
      "keychain.dev/v1/tenant-share".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private Envelope() {}

  public static SealedKey seal(
      KeyProvider kek, SecretBytes key, SecretBytes tenantShare, EnvelopeContext context) {
    requireShare(tenantShare);
    return wrapAndWipe(kek, mask(key, tenantShare, context), context);
  }

  /**
   * Opens an envelope.
   *
   * @throws EnvelopeException if the KEK is unknown, the envelope was altered or belongs to another
   *     context, or the tenant share is not the one it was sealed with
   */
  public static SecretBytes open(
      KeyProvider kek, SealedKey sealed, SecretBytes tenantShare, EnvelopeContext context) {
    requireShare(tenantShare);
    byte[] masked = unwrap(kek, sealed, context);
    byte[] mask =
        tenantShare.apply(
            SecretAccess.grant(),
            share -> Hkdf.derive(MASK_SALT, share, context.maskInfo(), masked.length));
    for (int i = 0; i < masked.length; i++) {
      masked[i] ^= mask[i];
    }
    Arrays.fill(mask, (byte) 0);
    SecretBytes key = SecretBytes.adopt(masked, SecretAccess.grant());
    if (!KeyId.of(context.level(), key).equals(context.keyId())) {
      key.destroy();
      throw new EnvelopeException(
          EnvelopeException.Reason.WRONG_TENANT_SHARE,
          "envelope of key "
              + context.keyId().shortForm()
              + " opened to a different key: the tenant share is not the one it was sealed with");
    }
    return key;
  }

  /**
   * Re-encrypts an envelope under the provider's primary KEK (after a KEK rotation). The key is
   * never unmasked: rewrapping needs no tenant share.
   */
  public static SealedKey rewrap(KeyProvider kek, SealedKey sealed, EnvelopeContext context) {
    if (sealed.kekId().equals(kek.primaryKekId())) {
      return sealed;
    }
    return wrapAndWipe(kek, unwrap(kek, sealed, context), context);
  }

  /**
   * Seals a key the operator holds for itself (no tenant share: see {@link OwnedKeyContext}) under
   * the provider's primary KEK. The key stays the caller's to destroy.
   */
  public static SealedKey sealOwned(KeyProvider kek, SecretBytes key, OwnedKeyContext context) {
    byte[] plain = key.toByteArray(SecretAccess.grant());
    try {
      String kekId = kek.primaryKekId();
      KeyProvider.Wrapped wrapped = kek.wrap(plain, context.associatedData(kekId));
      return new SealedKey(wrapped.kekId(), wrapped.nonce(), wrapped.ciphertext());
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /**
   * Opens an envelope made by {@link #sealOwned}; the caller destroys the key.
   *
   * @throws EnvelopeException if the KEK is unknown or the envelope was altered or belongs to
   *     another context
   */
  public static SecretBytes openOwned(KeyProvider kek, SealedKey sealed, OwnedKeyContext context) {
    byte[] plain =
        kek.unwrap(
            new KeyProvider.Wrapped(sealed.kekId(), sealed.nonce(), sealed.ciphertext()),
            context.associatedData(sealed.kekId()));
    return SecretBytes.adopt(plain, SecretAccess.grant());
  }

  /** Encrypts masked key bytes under the primary KEK, then zeroes them. */
  private static SealedKey wrapAndWipe(KeyProvider kek, byte[] masked, EnvelopeContext context) {
    try {
      String kekId = kek.primaryKekId();
      KeyProvider.Wrapped wrapped = kek.wrap(masked, context.associatedData(kekId));
      return new SealedKey(wrapped.kekId(), wrapped.nonce(), wrapped.ciphertext());
    } finally {
      Arrays.fill(masked, (byte) 0);
    }
  }

  private static byte[] unwrap(KeyProvider kek, SealedKey sealed, EnvelopeContext context) {
    return kek.unwrap(
        new KeyProvider.Wrapped(sealed.kekId(), sealed.nonce(), sealed.ciphertext()),
        context.associatedData(sealed.kekId()));
  }

  private static byte[] mask(SecretBytes key, SecretBytes share, EnvelopeContext context) {
    byte[] out = key.toByteArray(SecretAccess.grant());
    byte[] mask =
        share.apply(
            SecretAccess.grant(), s -> Hkdf.derive(MASK_SALT, s, context.maskInfo(), out.length));
    for (int i = 0; i < out.length; i++) {
      out[i] ^= mask[i];
    }
    Arrays.fill(mask, (byte) 0);
    return out;
  }

  private static void requireShare(SecretBytes share) {
    if (share.length() != 32) {
      throw new EnvelopeException(
          EnvelopeException.Reason.MALFORMED,
          "tenant share must be 32 bytes (256 bits), got " + share.length());
    }
  }
}
