package dev.keychain.core.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {
  private static final HexFormat HEX = HexFormat.of();

  /** The leaves of the RFC 6962 reference tests (certificate-transparency test data). */
  private static final byte[][] LEAVES = {
    {},
    {0x00},
    {0x10},
    {0x20, 0x21},
    {0x30, 0x31},
    {0x40, 0x41, 0x42, 0x43},
    {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57},
    HEX.parseHex("606162636465666768696a6b6c6d6e6f"),
  };

  private static final String[] ROOTS = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };

  private static MerkleTree referenceTree() {
    MerkleTree tree = new MerkleTree();
    for (byte[] leaf : LEAVES) {
      tree.appendLeafHash(MerkleHashes.leaf(leaf));
    }
    return tree;
  }

  private static List<String> hex(List<byte[]> hashes) {
    return hashes.stream().map(HEX::formatHex).toList();
  }

  @Test
  void rootsMatchTheRfc6962ReferenceVectors() {
    MerkleTree tree = referenceTree();
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        HEX.formatHex(tree.root(0)));
    for (int n = 1; n <= 8; n++) {
      assertEquals(ROOTS[n - 1], HEX.formatHex(tree.root(n)), "root of " + n);
    }
  }

  @Test
  void inclusionProofsMatchTheReferenceVectors() {
    MerkleTree tree = referenceTree();
    assertEquals(
        List.of(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        hex(tree.inclusionProof(0, 8)));
    assertEquals(
        List.of(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        hex(tree.inclusionProof(5, 8)));
  }

  @Test
  void consistencyProofsMatchTheReferenceVectors() {
    MerkleTree tree = referenceTree();
    assertEquals(
        List.of(
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        hex(tree.consistencyProof(3, 8)));
    assertEquals(
        List.of("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        hex(tree.consistencyProof(1, 2)));
  }

  /** Property: for random trees, every proof verifies, and no proof verifies a wrong claim. */
  @Test
  void everyProofVerifiesAndTamperedOnesDoNot() {
    Random random = new Random(9162);
    MerkleTree tree = new MerkleTree();
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      byte[] data = new byte[random.nextInt(40)];
      random.nextBytes(data);
      leaves.add(MerkleHashes.leaf(data));
      tree.appendLeafHash(leaves.get(i));
    }
    for (int trial = 0; trial < 400; trial++) {
      long n = 1 + random.nextInt(300);
      long index = random.nextInt((int) n);
      List<byte[]> proof = tree.inclusionProof(index, n);
      byte[] root = tree.root(n);
      assertTrue(MerkleProofs.verifyInclusion(leaves.get((int) index), index, n, proof, root));
      long other = (index + 1) % n;
      if (other != index) {
        assertFalse(
            MerkleProofs.verifyInclusion(leaves.get((int) other), index, n, proof, root),
            "another leaf at the same index");
      }
      if (!proof.isEmpty()) {
        List<byte[]> bad = new ArrayList<>(proof);
        byte[] first = bad.get(0).clone();
        first[0] ^= 1;
        bad.set(0, first);
        assertFalse(MerkleProofs.verifyInclusion(leaves.get((int) index), index, n, bad, root));
      }

      long m = random.nextInt((int) n + 1);
      List<byte[]> consistency = tree.consistencyProof(m, n);
      assertTrue(
          MerkleProofs.verifyConsistency(m, n, tree.root(m), root, consistency), m + "->" + n);
      if (m > 0 && m < n) {
        // A rewritten history (the old root of a different tree) is refused.
        byte[] forged = tree.root(m).clone();
        forged[5] ^= 0x20;
        assertFalse(MerkleProofs.verifyConsistency(m, n, forged, root, consistency));
      }
    }
  }

  @Test
  void rangeProofsVerifyOnlyTheExactRange() {
    Random random = new Random(3);
    MerkleTree tree = new MerkleTree();
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      leaves.add(
          MerkleHashes.leaf(("record " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      tree.appendLeafHash(leaves.get(i));
    }
    for (int trial = 0; trial < 300; trial++) {
      int n = 1 + random.nextInt(1000);
      int a = random.nextInt(n);
      int b = a + 1 + random.nextInt(n - a);
      List<byte[]> proof = tree.rangeProof(a, b, n);
      assertTrue(proof.size() <= 2 * 64, "O(log n) proof");
      List<byte[]> range = leaves.subList(a, b);
      assertTrue(
          MerkleProofs.verifyRange(range, a, n, proof, tree.root(n)), a + ".." + b + "/" + n);
      if (b - a > 1) {
        List<byte[]> swapped = new ArrayList<>(range);
        java.util.Collections.swap(swapped, 0, 1);
        assertFalse(MerkleProofs.verifyRange(swapped, a, n, proof, tree.root(n)), "reordered");
        assertFalse(
            MerkleProofs.verifyRange(range.subList(1, range.size()), a + 1, n, proof, tree.root(n)),
            "a shorter range with the same proof");
      }
      if (a > 0) {
        assertFalse(MerkleProofs.verifyRange(range, a - 1, n, proof, tree.root(n)), "shifted");
      }
    }
    // Records 500-600 of 1,000, as in seed 003's partial verification experiment.
    List<byte[]> proof = tree.rangeProof(500, 601, 1000);
    assertTrue(MerkleProofs.verifyRange(leaves.subList(500, 601), 500, 1000, proof, tree.root()));
  }

  @Test
  void aTreeContinuedFromAFrontierComputesTheSameRoots() {
    Random random = new Random(64);
    for (int trial = 0; trial < 50; trial++) {
      int n = 2 + random.nextInt(600);
      int pruned = 1 + random.nextInt(n - 1);
      MerkleTree full = new MerkleTree();
      for (int i = 0; i < n; i++) {
        full.appendLeafHash(MerkleHashes.leaf(new byte[] {(byte) i, (byte) (i >> 8)}));
      }
      MerkleTree continued = MerkleTree.fromFrontier(pruned, full.frontier(pruned));
      assertEquals(HEX.formatHex(full.root(pruned)), HEX.formatHex(continued.root(pruned)));
      for (int i = pruned; i < n; i++) {
        continued.appendLeafHash(full.leafHash(i));
        assertEquals(
            HEX.formatHex(full.root(i + 1)),
            HEX.formatHex(continued.root(i + 1)),
            pruned + "+" + i);
      }
      assertTrue(full.frontier(pruned).size() <= 64);
    }
  }

  @Test
  void rootOfAPrefixIsWhatAFreshTreeOfThatPrefixComputes() {
    MerkleTree big = new MerkleTree();
    MerkleTree small = new MerkleTree();
    for (int i = 0; i < 1000; i++) {
      byte[] leaf = MerkleHashes.leaf(new byte[] {(byte) i, (byte) (i >> 8)});
      big.appendLeafHash(leaf);
      if (i < 777) {
        small.appendLeafHash(leaf);
      }
    }
    assertEquals(HEX.formatHex(small.root()), HEX.formatHex(big.root(777)));
  }
}
