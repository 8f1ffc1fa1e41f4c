package dev.keychain.bench.audit;

import dev.keychain.core.audit.MerkleHashes;
import dev.keychain.core.audit.MerkleProofs;
import dev.keychain.core.audit.MerkleTree;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Partial verification (seed 003, Figs. 9-10): 100 records at the start, middle and end of a log of
 * {@code size} records (target < 1 ms for 10 M, whatever the position), with range proofs; beside
 * the Schneier-Kelsey verification of the same range (cost grows with the position) and Ma-Tsudik's
 * (must verify the whole log). Records are 8-byte counters, so the figures are the integrity work
 * only.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx12g")
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class PartialVerificationBenchmark {
  /** Log size and where the 100 records lie; shared by the schemes' states. */
  @State(Scope.Benchmark)
  public static class Range {
    @Param({"1000", "10000000"})
    public int size;

    @Param({"start", "middle", "end"})
    public String position;

    int from;
    int to;

    @Setup(Level.Trial)
    public void setUp() {
      // The paper's 1,000-record case verifies records 500-600.
      from =
          size == 1000
              ? 500
              : switch (position) {
                case "start" -> 0;
                case "middle" -> size / 2;
                default -> size - 100;
              };
      to = from + 100;
    }
  }

  static byte[] data(long i) {
    return ByteBuffer.allocate(8).putLong(i).array();
  }

  /** Ours: the tree (built once per trial), the range's leaves, its proof and the root. */
  @State(Scope.Benchmark)
  public static class Merkle {
    MerkleTree tree;
    List<byte[]> leaves;
    List<byte[]> proof;
    byte[] root;

    @Setup(Level.Trial)
    public void setUp(Range range) {
      tree = new MerkleTree();
      for (long i = 0; i < range.size; i++) {
        tree.appendLeafHash(MerkleHashes.leaf(data(i)));
      }
      leaves = new ArrayList<>();
      for (int i = range.from; i < range.to; i++) {
        leaves.add(MerkleHashes.leaf(data(i)));
      }
      proof = tree.rangeProof(range.from, range.to, range.size);
      root = tree.root();
    }
  }

  /** Schneier-Kelsey baseline over the same records. */
  @State(Scope.Benchmark)
  public static class SchneierKelsey {
    SchneierKelseyLog log;

    @Setup(Level.Trial)
    public void setUp(Range range) {
      log = new SchneierKelseyLog(new byte[32]);
      for (long i = 0; i < range.size; i++) {
        log.append(data(i));
      }
    }
  }

  /** Ma-Tsudik baseline over the same records. */
  @State(Scope.Benchmark)
  public static class MaTsudik {
    MaTsudikLog log;

    @Setup(Level.Trial)
    public void setUp(Range range) {
      log = new MaTsudikLog(new byte[32]);
      for (long i = 0; i < range.size; i++) {
        log.append(data(i));
      }
    }
  }

  /** Ours: the 100 records against the checkpointed root with an O(log n) range proof. */
  @Benchmark
  public boolean merkleRangeProof(Range range, Merkle m) {
    if (!MerkleProofs.verifyRange(m.leaves, range.from, range.size, m.proof, m.root)) {
      throw new IllegalStateException("range proof failed");
    }
    return true;
  }

  /** The prover's side: building the range proof from the stored tree. */
  @Benchmark
  public int merkleRangeProofGeneration(Range range, Merkle m) {
    return m.tree.rangeProof(range.from, range.to, range.size).size();
  }

  @Benchmark
  public boolean schneierKelseyRange(Range range, SchneierKelsey sk) {
    return sk.log.verify(range.from, range.to);
  }

  @Benchmark
  public boolean maTsudikWholeLog(MaTsudik mt) {
    return mt.log.verifyAll();
  }
}
