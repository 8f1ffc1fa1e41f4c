package dev.keychain.bench.audit;

import dev.keychain.core.crypto.Hkdf;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Baseline of seed 003: Ma-Tsudik forward-secure sequential aggregate (FssAgg) MAC. Each entry is
 * MACed under the evolving key A_j, and the MACs fold into one aggregate tag sigma = H(sigma ||
 * MAC_{A_j}(D_j)): storage is one tag for the whole log, but any verification, even of one entry,
 * must recompute every key and MAC from the start: O(n) whatever the range.
 */
final class MaTsudikLog {
  final List<byte[]> entries = new ArrayList<>();
  private final byte[] a0;
  private byte[] a;
  private byte[] sigma = new byte[32];

  MaTsudikLog(byte[] a0) {
    this.a0 = a0.clone();
    this.a = a0.clone();
  }

  void append(byte[] data) {
    a = SchneierKelseyLog.h(a);
    sigma = SchneierKelseyLog.h(sigma, Hkdf.hmac(a, data));
    entries.add(data);
  }

  /** The only check the aggregate allows: recompute everything. */
  boolean verifyAll() {
    byte[] key = a0;
    byte[] s = new byte[32];
    for (byte[] e : entries) {
      key = SchneierKelseyLog.h(key);
      s = SchneierKelseyLog.h(s, Hkdf.hmac(key, e));
    }
    return MessageDigest.isEqual(s, sigma);
  }
}
