package dev.keychain.core.share;

import dev.keychain.core.chain.KeyId;
import dev.keychain.core.chain.KeyLevel;
import dev.keychain.core.crypto.Hkdf;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.envelope.EnvelopeContext;
import java.nio.charset.StandardCharsets;

/**
 * Seed 004's one-time key (its OTP, "made from randomness and the users' details"): 32 fresh random
 * bytes through HKDF-SHA256 with the version's {@link ShareBinding} as info. At rest it is sealed
 * like the chain's keys (tenant share mask, then the KEK) in the context {@link #envelope} names.
 */
public final class OneTimeKeys {
  public static final int LENGTH = 32;
  private static final byte[] SALT =
      "keychain.dev/v1/keyshare-otk".getBytes(StandardCharsets.UTF_8);

  private OneTimeKeys() {}

  /** A fresh one-time key for {@code binding}; the randomness is erased. */
  public static SecretBytes fresh(ShareBinding binding) {
    try (SecretBytes random = SecretBytes.random(LENGTH)) {
      return derive(random, binding);
    }
  }

  /**
   * The one-time key of {@code random} (32 bytes) for {@code binding}: deterministic, for vectors.
   */
  static SecretBytes derive(SecretBytes random, ShareBinding binding) {
    if (random.length() != LENGTH) {
      throw new IllegalArgumentException("one-time key randomness must be " + LENGTH + " bytes");
    }
    byte[] info = binding.encoded();
    return SecretBytes.adopt(
        random.apply(SecretAccess.grant(), ikm -> Hkdf.derive(SALT, ikm, info, LENGTH)),
        SecretAccess.grant());
  }

  /** The key ID of a one-time key (safe to show: a hash). */
  public static KeyId keyId(SecretBytes otk) {
    return KeyId.of(KeyLevel.SHARE, otk);
  }

  /**
   * Where the sealed key of {@code binding} belongs: chain {@code chain}, "group" {@code
   * share:<namespace>/<share>}, level SHARE, epoch the version.
   */
  public static EnvelopeContext envelope(String chain, ShareBinding binding, KeyId keyId) {
    return new EnvelopeContext(
        chain,
        "share:" + binding.namespace() + "/" + binding.share(),
        KeyLevel.SHARE,
        binding.version(),
        keyId);
  }
}
