package dev.keychain.core.share;

import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.envelope.AesGcm;
import dev.keychain.core.envelope.EnvelopeException;
import java.util.Base64;
import javax.crypto.spec.SecretKeySpec;

/**
 * A shared item encrypted with its version's one-time key: AES-256-GCM, a random 96-bit nonce, the
 * {@link ShareBinding} as associated data. What the operator stores and serves (seed 004 steps 6,
 * 14 and 18); only holders of the one-time key read it (steps 15 and 19).
 */
public record SealedItem(byte[] nonce, byte[] ciphertext) {
  /** The largest item shared: keys and small Secrets, not files. */
  public static final int MAX_ITEM_BYTES = 64 * 1024;

  public SealedItem {
    if (nonce == null || nonce.length != AesGcm.NONCE_BYTES) {
      throw new IllegalArgumentException(
          "sealed item nonce must be " + AesGcm.NONCE_BYTES + " bytes");
    }
    if (ciphertext == null || ciphertext.length < 16 || ciphertext.length > MAX_ITEM_BYTES + 16) {
      throw new IllegalArgumentException("sealed item ciphertext has an impossible length");
    }
    nonce = nonce.clone();
    ciphertext = ciphertext.clone();
  }

  /** Seals {@code item} (at most {@link #MAX_ITEM_BYTES}) for {@code binding}. */
  public static SealedItem seal(SecretBytes otk, byte[] item, ShareBinding binding) {
    if (item.length > MAX_ITEM_BYTES) {
      throw new IllegalArgumentException(
          "shared item is " + item.length + " bytes; at most " + MAX_ITEM_BYTES + " are shared");
    }
    byte[] nonce = AesGcm.nonce();
    byte[] ciphertext =
        otk.apply(
            SecretAccess.grant(),
            k -> AesGcm.encrypt(null, new SecretKeySpec(k, "AES"), nonce, item, binding.encoded()));
    return new SealedItem(nonce, ciphertext);
  }

  /**
   * The item, for a holder of the one-time key.
   *
   * @throws EnvelopeException if the key or the binding is not the one it was sealed with, or the
   *     ciphertext was altered
   */
  public byte[] open(SecretBytes otk, ShareBinding binding) {
    return otk.apply(
        SecretAccess.grant(),
        k ->
            AesGcm.decrypt(
                null,
                new SecretKeySpec(k, "AES"),
                nonce,
                ciphertext,
                binding.encoded(),
                "shared item " + binding.share() + " v" + binding.version()));
  }

  /** {@code base64(nonce).base64(ciphertext)}, as stored and as agents write it. */
  public String encode() {
    Base64.Encoder b64 = Base64.getEncoder();
    return b64.encodeToString(nonce) + "." + b64.encodeToString(ciphertext);
  }

  /**
   * @throws IllegalArgumentException naming what is wrong
   */
  public static SealedItem decode(String text) {
    String[] parts = text == null ? new String[0] : text.split("\\.", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException("sealed item must be base64(nonce).base64(ciphertext)");
    }
    try {
      return new SealedItem(
          Base64.getDecoder().decode(parts[0]), Base64.getDecoder().decode(parts[1]));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("sealed item: " + e.getMessage());
    }
  }
}
