package dev.keychain.core.audit;

import dev.keychain.core.crypto.Hkdf;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The forward-secure MAC key of seed 003: K_{i+1} = H(K_i), and K_i is erased once it has MACed
 * checkpoint i. Whoever takes the system at checkpoint t holds K_t only and cannot forge anything
 * MACed before it; the verifier, holding K_0, recomputes every K_i.
 */
public final class EvolvingKey implements AutoCloseable {
  private static final byte[] LABEL =
      "keychain.dev/v1/audit-key-evolution".getBytes(StandardCharsets.UTF_8);
  private byte[] key;
  private long index;

  private EvolvingKey(byte[] key, long index) {
    if (key.length != 32) {
      throw new IllegalArgumentException("audit key must be 32 bytes, got " + key.length);
    }
    this.key = key;
    this.index = index;
  }

  /** Takes ownership of {@code key} (wiped on evolve or close) as K_index. */
  public static EvolvingKey adopt(byte[] key, long index) {
    return new EvolvingKey(key, index);
  }

  /** K_index from K_0 (a copy of {@code k0} is evolved; the caller keeps its own). */
  public static EvolvingKey fromInitial(byte[] k0, long index) {
    EvolvingKey k = new EvolvingKey(k0.clone(), 0);
    while (k.index < index) {
      k.evolve();
    }
    return k;
  }

  public long index() {
    return index;
  }

  public byte[] mac(byte[] message) {
    return Hkdf.hmac(key, message);
  }

  public boolean verify(byte[] message, byte[] mac) {
    return MessageDigest.isEqual(mac(message), mac);
  }

  /** Moves to K_{i+1} and erases K_i. */
  public void evolve() {
    MessageDigest d = MerkleHashes.sha256();
    d.update(LABEL);
    d.update(key);
    byte[] next = d.digest();
    Arrays.fill(key, (byte) 0);
    key = next;
    index++;
  }

  /** A copy of the current key, for sealing it (the caller wipes it). */
  public byte[] copyForSealing() {
    return key.clone();
  }

  @Override
  public void close() {
    Arrays.fill(key, (byte) 0);
  }

  @Override
  public String toString() {
    return "EvolvingKey[index " + index + ", redacted]";
  }
}
