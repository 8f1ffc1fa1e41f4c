package dev.keychain.core.audit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * RFC 9162 (Certificate Transparency v2) tree hashing with SHA-256: a leaf is {@code SHA-256(0x00
 * || data)}, an inner node {@code SHA-256(0x01 || left || right)}, the empty tree {@code
 * SHA-256("")}. The domain separation prefixes make a leaf never equal to a node, which is why seed
 * 003's "M_{1,1} = L_1" shortcut is not used.
 */
public final class MerkleHashes {
  public static final int SIZE = 32;

  private MerkleHashes() {}

  // One digest per thread: looking a provider up for every hash costs as much as hashing a node.
  private static final ThreadLocal<MessageDigest> DIGEST =
      ThreadLocal.withInitial(MerkleHashes::newSha256);

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** This thread's SHA-256 digest, reset. */
  static MessageDigest sha256() {
    MessageDigest d = DIGEST.get();
    d.reset();
    return d;
  }

  public static byte[] empty() {
    return sha256().digest();
  }

  public static byte[] leaf(byte[] data) {
    return leaf(sha256(), data);
  }

  /** The leaf hash of {@code data} with the caller's own (reset) digest. */
  static byte[] leaf(MessageDigest d, byte[] data) {
    d.update((byte) 0x00);
    d.update(data);
    return d.digest();
  }

  public static byte[] node(byte[] left, byte[] right) {
    MessageDigest d = sha256();
    d.update((byte) 0x01);
    d.update(left);
    d.update(right);
    return d.digest();
  }

  /** The largest power of two strictly smaller than {@code n} (n > 1). */
  static long split(long n) {
    return Long.highestOneBit(n - 1);
  }
}
