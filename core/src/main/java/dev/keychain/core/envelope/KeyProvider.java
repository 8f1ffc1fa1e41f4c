package dev.keychain.core.envelope;

/**
 * Holds the key-encryption keys (KEKs) and performs AES-256-GCM with them; the KEK bytes never
 * leave it (for PKCS#11, never leave the token). Several KEK versions may exist during a rotation:
 * new envelopes are sealed with the primary one, old ones are opened with the version they name.
 */
public interface KeyProvider extends AutoCloseable {
  /** Names the KEK that {@link #wrap} uses, e.g. {@code k8s-secret/v2} or {@code pkcs11/v1}. */
  String primaryKekId();

  /** Whether this provider holds the KEK named {@code kekId}. */
  boolean holds(String kekId);

  /** Encrypts under the primary KEK with a fresh nonce. */
  Wrapped wrap(byte[] plaintext, byte[] associatedData);

  /**
   * Decrypts with the KEK the envelope names.
   *
   * @throws EnvelopeException if that KEK is unknown or authentication fails
   */
  byte[] unwrap(Wrapped wrapped, byte[] associatedData);

  /** Output of {@link #wrap}: the KEK's ID, the 12-byte nonce, ciphertext with 16-byte tag. */
  record Wrapped(String kekId, byte[] nonce, byte[] ciphertext) {}

  @Override
  default void close() {}
}
