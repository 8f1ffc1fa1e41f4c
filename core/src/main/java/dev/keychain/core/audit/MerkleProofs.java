package dev.keychain.core.audit;

import java.security.MessageDigest;
import java.util.List;

/**
 * Verification of inclusion and consistency proofs, as RFC 9162 sections 2.1.3.2 and 2.1.4.2
 * specify: the verifier needs only the proof, the sizes and the roots, never the tree.
 */
public final class MerkleProofs {
  private MerkleProofs() {}

  /**
   * Whether {@code leafHash} is leaf {@code index} of the tree of size {@code n} with {@code root}.
   */
  public static boolean verifyInclusion(
      byte[] leafHash, long index, long n, List<byte[]> proof, byte[] root) {
    if (index < 0 || index >= n) {
      return false;
    }
    long fn = index;
    long sn = n - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = MerkleHashes.node(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = MerkleHashes.node(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, root);
  }

  /**
   * Whether the tree of size {@code m} with {@code rootM} is a prefix of that of size {@code n}.
   */
  public static boolean verifyConsistency(
      long m, long n, byte[] rootM, byte[] rootN, List<byte[]> proof) {
    if (m < 0 || m > n) {
      return false;
    }
    if (m == n) {
      return proof.isEmpty() && MessageDigest.isEqual(rootM, rootN);
    }
    if (m == 0) {
      return proof.isEmpty();
    }
    if (proof.isEmpty()) {
      return false;
    }
    List<byte[]> path = proof;
    if (Long.bitCount(m) == 1) {
      path = new java.util.ArrayList<>(proof.size() + 1);
      path.add(rootM);
      path.addAll(proof);
    }
    long fn = m - 1;
    long sn = n - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = path.get(0);
    byte[] sr = path.get(0);
    for (int i = 1; i < path.size(); i++) {
      byte[] c = path.get(i);
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = MerkleHashes.node(c, fr);
        sr = MerkleHashes.node(c, sr);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        sr = MerkleHashes.node(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(fr, rootM) && MessageDigest.isEqual(sr, rootN);
  }

  /**
   * Whether {@code leafHashes} are leaves {@code [a, a + leafHashes.size())} of the tree of size
   * {@code n} with {@code root}, given a {@link MerkleTree#rangeProof}. Costs O(range + log n)
   * hashes: partial verification of seed 003 without touching the rest of the log.
   */
  public static boolean verifyRange(
      List<byte[]> leafHashes, long a, long n, List<byte[]> proof, byte[] root) {
    long b = a + leafHashes.size();
    if (leafHashes.isEmpty() || a < 0 || b > n) {
      return false;
    }
    java.util.Iterator<byte[]> siblings = proof.iterator();
    byte[] computed;
    try {
      computed = rangeRoot(0, n, a, b, leafHashes, siblings);
    } catch (java.util.NoSuchElementException e) {
      return false;
    }
    return !siblings.hasNext() && MessageDigest.isEqual(computed, root);
  }

  private static byte[] rangeRoot(
      long start, long end, long a, long b, List<byte[]> leaves, java.util.Iterator<byte[]> proof) {
    if (end <= a || start >= b) {
      return proof.next();
    }
    if (end - start == 1) {
      return leaves.get((int) (start - a));
    }
    long k = MerkleHashes.split(end - start);
    byte[] left = rangeRoot(start, start + k, a, b, leaves, proof);
    byte[] right = rangeRoot(start + k, end, a, b, leaves, proof);
    return MerkleHashes.node(left, right);
  }
}
