package dev.keychain.core.crypto;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import javax.security.auth.Destroyable;

/**
 * Key material: immutable to its users, readable only with {@link SecretAccess}, compared in
 * constant time, zeroed by {@link #destroy()}, and never printed. It has no equals/hashCode, so it
 * cannot end up as a map key or be compared by accident in variable time.
 */
public final class SecretBytes implements Destroyable, AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final byte[] bytes;
  private volatile boolean destroyed;

  private SecretBytes(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Fresh random bytes from the system's CSPRNG. */
  public static SecretBytes random(int length) {
    if (length <= 0) {
      throw new IllegalArgumentException("secret length must be positive, got " + length);
    }
    byte[] bytes = new byte[length];
    RANDOM.nextBytes(bytes);
    return new SecretBytes(bytes);
  }

  /** Copies {@code source}; the caller remains responsible for wiping its own array. */
  public static SecretBytes copyOf(byte[] source, SecretAccess access) {
    Objects.requireNonNull(access, "SecretAccess");
    if (source.length == 0) {
      throw new IllegalArgumentException("secret must not be empty");
    }
    return new SecretBytes(source.clone());
  }

  /** Takes ownership of {@code owned}: the array is wiped when this secret is destroyed. */
  public static SecretBytes adopt(byte[] owned, SecretAccess access) {
    Objects.requireNonNull(access, "SecretAccess");
    if (owned.length == 0) {
      throw new IllegalArgumentException("secret must not be empty");
    }
    return new SecretBytes(owned);
  }

  public int length() {
    return bytes.length;
  }

  /** A copy of the secret, which the caller must wipe ({@link Arrays#fill(byte[], byte)}). */
  public byte[] toByteArray(SecretAccess access) {
    Objects.requireNonNull(access, "SecretAccess");
    checkAlive();
    return bytes.clone();
  }

  /** Runs {@code use} on the secret without copying it. The array must not be kept or modified. */
  public <T> T apply(SecretAccess access, Function<byte[], T> use) {
    Objects.requireNonNull(access, "SecretAccess");
    checkAlive();
    return use.apply(bytes);
  }

  /** Constant-time comparison of contents (lengths are not secret). */
  public boolean sameAs(SecretBytes other) {
    checkAlive();
    other.checkAlive();
    return MessageDigest.isEqual(bytes, other.bytes);
  }

  private void checkAlive() {
    if (destroyed) {
      throw new IllegalStateException("secret was destroyed");
    }
  }

  @Override
  public void destroy() {
    Arrays.fill(bytes, (byte) 0);
    destroyed = true;
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public void close() {
    destroy();
  }

  @Override
  public String toString() {
    return "SecretBytes[" + bytes.length + " bytes, redacted]";
  }
}
