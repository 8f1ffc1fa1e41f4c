package dev.keychain.core.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * An append-only Merkle tree (RFC 9162) that keeps the hash of every perfect, aligned subtree:
 * level {@code l} holds the hashes of the subtrees covering leaves {@code [j*2^l, (j+1)*2^l)}.
 * Appending costs O(1) amortised; the root of any prefix, an inclusion proof or a consistency proof
 * costs O(log^2 n) hash lookups and at most O(log n) hash computations, wherever in the tree the
 * leaves lie. Memory: about 64 bytes a leaf. Not thread-safe.
 */
public final class MerkleTree {
  private final List<HashArray> levels = new ArrayList<>();
  // This tree's own digest for appends (not thread-safe anyway): no thread-local lookup, and
  // inner nodes hash their left child straight from the level's storage.
  private final java.security.MessageDigest appendDigest = MerkleHashes.newSha256();

  public MerkleTree() {
    levels.add(new HashArray());
  }

  public long size() {
    return levels.get(0).size();
  }

  /** Appends a leaf by its hash (see {@link MerkleHashes#leaf}); returns its index. */
  public long appendLeafHash(byte[] leafHash) {
    return appendLeafHash(leafHash, 0);
  }

  /** Appends the leaf whose hash is at {@code offset} of {@code hashes}; returns its index. */
  public long appendLeafHash(byte[] hashes, int offset) {
    long index = size();
    levels.get(0).add(hashes, offset);
    long position = index;
    byte[] carry = null;
    for (int level = 0; (position & 1) == 1; level++) {
      appendDigest.update((byte) 0x01);
      levels.get(level).feed(appendDigest, position - 1);
      if (carry == null) {
        appendDigest.update(hashes, offset, MerkleHashes.SIZE);
      } else {
        appendDigest.update(carry);
      }
      carry = appendDigest.digest();
      if (levels.size() == level + 1) {
        levels.add(new HashArray());
      }
      levels.get(level + 1).add(carry);
      position >>= 1;
    }
    return index;
  }

  public byte[] leafHash(long index) {
    return levels.get(0).get(index);
  }

  /** The root of the first {@code n} leaves. */
  public byte[] root(long n) {
    checkSize(n);
    return n == 0 ? MerkleHashes.empty() : hash(0, n);
  }

  public byte[] root() {
    return root(size());
  }

  /** MTH of leaves [start, end); start is aligned as RFC 9162's recursion guarantees. */
  private byte[] hash(long start, long end) {
    long n = end - start;
    if (Long.bitCount(n) == 1 && start % n == 0) {
      int level = Long.numberOfTrailingZeros(n);
      return levels.get(level).get(start >> level);
    }
    long k = MerkleHashes.split(n);
    return MerkleHashes.node(hash(start, start + k), hash(start + k, end));
  }

  /**
   * Audit path of leaf {@code index} in the tree of the first {@code n} leaves (RFC 9162 2.1.3).
   */
  public List<byte[]> inclusionProof(long index, long n) {
    checkSize(n);
    if (index < 0 || index >= n) {
      throw new IllegalArgumentException("leaf " + index + " is not in a tree of " + n);
    }
    List<byte[]> proof = new ArrayList<>();
    path(index, 0, n, proof);
    return proof;
  }

  private void path(long m, long start, long end, List<byte[]> out) {
    long n = end - start;
    if (n <= 1) {
      return;
    }
    long k = MerkleHashes.split(n);
    if (m < k) {
      path(m, start, start + k, out);
      out.add(hash(start + k, end));
    } else {
      path(m - k, start + k, end, out);
      out.add(hash(start, start + k));
    }
  }

  /** Proof that the tree of {@code m} leaves is a prefix of that of {@code n} (RFC 9162 2.1.4). */
  public List<byte[]> consistencyProof(long m, long n) {
    checkSize(n);
    if (m < 0 || m > n) {
      throw new IllegalArgumentException("cannot prove " + m + " is a prefix of " + n);
    }
    List<byte[]> proof = new ArrayList<>();
    if (m > 0 && m < n) {
      subproof(m, 0, n, true, proof);
    }
    return proof;
  }

  private void subproof(long m, long start, long end, boolean complete, List<byte[]> out) {
    long n = end - start;
    if (m == n) {
      if (!complete) {
        out.add(hash(start, end));
      }
      return;
    }
    long k = MerkleHashes.split(n);
    if (m <= k) {
      subproof(m, start, start + k, complete, out);
      out.add(hash(start + k, end));
    } else {
      subproof(m - k, start + k, end, false, out);
      out.add(hash(start, start + k));
    }
  }

  /**
   * Proof that leaves {@code [a, b)} are in the tree of the first {@code n} leaves: the hashes of
   * the largest subtrees outside the range, at most two per level, so O(log n) hashes wherever the
   * range lies. See {@link MerkleProofs#verifyRange}.
   */
  public List<byte[]> rangeProof(long a, long b, long n) {
    checkSize(n);
    if (a < 0 || a >= b || b > n) {
      throw new IllegalArgumentException("range [" + a + ", " + b + ") is not in a tree of " + n);
    }
    List<byte[]> proof = new ArrayList<>();
    rangeProof(0, n, a, b, proof);
    return proof;
  }

  private void rangeProof(long start, long end, long a, long b, List<byte[]> out) {
    if (end <= a || start >= b) {
      out.add(hash(start, end));
    } else if (start < a || end > b) {
      long k = MerkleHashes.split(end - start);
      rangeProof(start, start + k, a, b, out);
      rangeProof(start + k, end, a, b, out);
    }
  }

  private void checkSize(long n) {
    if (n < 0 || n > size()) {
      throw new IllegalArgumentException("tree has " + size() + " leaves, not " + n);
    }
  }

  /**
   * A growable array of 32-byte hashes in chunks, addressable by long. After pruning, indexes below
   * {@code base} are gone except the few frontier nodes kept in {@code kept}.
   */
  static final class HashArray {
    // 256 KiB a chunk: under half of G1's smallest region, so chunks are not humongous objects.
    private static final int CHUNK = 1 << 13;
    private final List<byte[]> chunks = new ArrayList<>();
    private final java.util.Map<Long, byte[]> kept = new java.util.HashMap<>();
    private long base;
    private long size;

    void add(byte[] hash) {
      add(hash, 0);
    }

    void add(byte[] hashes, int from) {
      long local = size - base;
      int offset = (int) (local % CHUNK) * MerkleHashes.SIZE;
      if (offset == 0) {
        chunks.add(new byte[CHUNK * MerkleHashes.SIZE]);
      }
      System.arraycopy(hashes, from, chunks.get(chunks.size() - 1), offset, MerkleHashes.SIZE);
      size++;
    }

    byte[] get(long index) {
      if (index < base) {
        byte[] k = kept.get(index);
        if (k == null) {
          throw new IllegalStateException("hash " + index + " was pruned");
        }
        return k.clone();
      }
      long local = index - base;
      byte[] out = new byte[MerkleHashes.SIZE];
      System.arraycopy(
          chunks.get((int) (local / CHUNK)),
          (int) (local % CHUNK) * MerkleHashes.SIZE,
          out,
          0,
          MerkleHashes.SIZE);
      return out;
    }

    long size() {
      return size;
    }

    /** Feeds hash {@code index} to {@code digest} without copying it out. */
    void feed(java.security.MessageDigest digest, long index) {
      if (index < base) {
        digest.update(get(index));
        return;
      }
      long local = index - base;
      digest.update(
          chunks.get((int) (local / CHUNK)),
          (int) (local % CHUNK) * MerkleHashes.SIZE,
          MerkleHashes.SIZE);
    }

    /** An empty array that continues at {@code base}, knowing only {@code kept}. */
    static HashArray startingAt(long base, java.util.Map<Long, byte[]> kept) {
      HashArray a = new HashArray();
      a.base = base;
      a.size = base;
      a.kept.putAll(kept);
      return a;
    }
  }

  /**
   * The frontier of the first {@code n} leaves: for each set bit of n, the hash of the perfect
   * subtree it stands for, as (level, index, hash). Enough to continue the tree (and compute every
   * later root) after the first n leaves are pruned.
   */
  public List<FrontierNode> frontier(long n) {
    checkSize(n);
    List<FrontierNode> nodes = new ArrayList<>();
    long start = 0;
    for (int level = 63; level >= 0; level--) {
      long width = 1L << level;
      if ((n & width) != 0) {
        nodes.add(new FrontierNode(level, start >> level, levels.get(level).get(start >> level)));
        start += width;
      }
    }
    return nodes;
  }

  /** One node of a frontier. */
  public record FrontierNode(int level, long index, byte[] hash) {}

  /** A tree of {@code n} leaves of which only the frontier is known; appends continue it. */
  public static MerkleTree fromFrontier(long n, List<FrontierNode> frontier) {
    MerkleTree tree = new MerkleTree();
    tree.levels.clear();
    int height = 64 - Long.numberOfLeadingZeros(Math.max(n, 1));
    for (int level = 0; level <= height; level++) {
      java.util.Map<Long, byte[]> kept = new java.util.HashMap<>();
      for (FrontierNode node : frontier) {
        if (node.level() == level) {
          kept.put(node.index(), node.hash().clone());
        }
      }
      tree.levels.add(HashArray.startingAt(n >> level, kept));
    }
    return tree;
  }

  /** The number of leaves pruned away (0 for a full tree). */
  public long firstLeaf() {
    return levels.get(0).base;
  }
}
