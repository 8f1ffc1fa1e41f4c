package dev.keychain.bench.audit;

import dev.keychain.core.crypto.Hkdf;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Baseline of seed 003: the Schneier-Kelsey secure log. Entry j: A_j = H(A_{j-1}) (the evolving
 * authentication key), Y_j = H(Y_{j-1} || D_j) (a hash chain over the entries), Z_j =
 * MAC_{A_j}(Y_j). (Encryption of D_j under a key derived from A_j is left out: it costs the same in
 * every scheme and is not part of integrity.) Verifying entries [a, b) needs A_a, which the
 * verifier derives from A_0 in a hash steps, and Y_{a-1}: cost O(a + range), so it grows with the
 * position.
 */
final class SchneierKelseyLog {
  final List<byte[]> entries = new ArrayList<>();
  final List<byte[]> y = new ArrayList<>();
  final List<byte[]> z = new ArrayList<>();
  private final byte[] a0;
  private byte[] a;
  private byte[] lastY = new byte[32];

  SchneierKelseyLog(byte[] a0) {
    this.a0 = a0.clone();
    this.a = a0.clone();
  }

  static byte[] h(byte[]... parts) {
    MessageDigest d = dev.keychain.core.crypto.Hashes.sha256();
    for (byte[] p : parts) {
      d.update(p);
    }
    return d.digest();
  }

  void append(byte[] data) {
    a = h(a);
    lastY = h(lastY, data);
    entries.add(data);
    y.add(lastY);
    z.add(Hkdf.hmac(a, lastY));
  }

  /** Verifies entries [from, to): re-derives A_from from A_0, then checks the chain and MACs. */
  boolean verify(int from, int to) {
    byte[] key = a0;
    for (int j = 0; j <= from; j++) {
      key = h(key);
    }
    byte[] prevY = from == 0 ? new byte[32] : y.get(from - 1);
    for (int j = from; j < to; j++) {
      byte[] yj = h(prevY, entries.get(j));
      if (!MessageDigest.isEqual(yj, y.get(j))
          || !MessageDigest.isEqual(Hkdf.hmac(key, yj), z.get(j))) {
        return false;
      }
      prevY = yj;
      key = h(key);
    }
    return true;
  }
}
