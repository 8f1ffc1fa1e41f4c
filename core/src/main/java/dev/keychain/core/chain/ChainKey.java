package dev.keychain.core.chain;

import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.Destroyable;

/**
 * One key of the chain with its public metadata: level, coordinates (chain, group, agent), epoch,
 * creation time, key ID, its parent's key ID, and the binding MAC by which the parent vouches for
 * this key's metadata (the paper's GMAC/AMAC). Only {@link #secret(SecretAccess)} reveals the key.
 */
public final class ChainKey implements Destroyable, AutoCloseable {
  private final KeyLevel level;
  private final KeyCoordinates coordinates;
  private final long epoch;
  private final Instant createdAt;
  private final KeyId keyId;
  private final KeyId parentKeyId;
  private final byte[] binding;
  private final SecretBytes secret;

  ChainKey(
      KeyLevel level,
      KeyCoordinates coordinates,
      long epoch,
      Instant createdAt,
      KeyId parentKeyId,
      byte[] binding,
      SecretBytes secret) {
    this.level = Objects.requireNonNull(level);
    this.coordinates = Objects.requireNonNull(coordinates);
    this.epoch = epoch;
    this.createdAt = Objects.requireNonNull(createdAt);
    this.parentKeyId = parentKeyId;
    this.binding = binding == null ? null : binding.clone();
    this.secret = Objects.requireNonNull(secret);
    this.keyId = KeyId.of(level, secret);
  }

  public KeyLevel level() {
    return level;
  }

  public KeyCoordinates coordinates() {
    return coordinates;
  }

  public long epoch() {
    return epoch;
  }

  public Instant createdAt() {
    return createdAt;
  }

  public KeyId keyId() {
    return keyId;
  }

  /** The parent's key ID; empty for the session key. */
  public Optional<KeyId> parentKeyId() {
    return Optional.ofNullable(parentKeyId);
  }

  /** The parent's MAC over this key's metadata; empty for the session key. */
  public Optional<byte[]> binding() {
    return Optional.ofNullable(binding).map(byte[]::clone);
  }

  public int lengthBytes() {
    return secret.length();
  }

  /** The key itself. */
  public SecretBytes secret(SecretAccess access) {
    Objects.requireNonNull(access, "SecretAccess");
    return secret;
  }

  @Override
  public void destroy() {
    secret.destroy();
  }

  @Override
  public boolean isDestroyed() {
    return secret.isDestroyed();
  }

  @Override
  public void close() {
    destroy();
  }

  @Override
  public String toString() {
    return level
        + "["
        + coordinates
        + ", epoch "
        + epoch
        + ", id "
        + keyId.shortForm()
        + (secret.isDestroyed() ? ", destroyed" : "")
        + "]";
  }
}
