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
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx12g")
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class PartialVerificationBenchmark {
  @Param({"1000", "10000000"})
  public int size;

  @Param({"start", "middle", "end"})
  public String position;

  private MerkleTree tree;
  private SchneierKelseyLog sk;
  private MaTsudikLog mt;
  private List<byte[]> leaves;
  private List<byte[]> proof;
  private byte[] root;
  private int from;
  private int to;

  private static byte[] data(long i) {
    return ByteBuffer.allocate(8).putLong(i).array();
  }

  @Setup(Level.Trial)
  public void setUp() {
    tree = new MerkleTree();
    sk = new SchneierKelseyLog(new byte[32]);
    mt = new MaTsudikLog(new byte[32]);
    for (long i = 0; i < size; i++) {
      byte[] d = data(i);
      tree.appendLeafHash(MerkleHashes.leaf(d));
      sk.append(d);
      mt.append(d);
    }
    int range = 100;
    // The paper's 1,000-record case verifies records 500-600.
    from =
        size == 1000
            ? 500
            : switch (position) {
              case "start" -> 0;
              case "middle" -> size / 2;
              default -> size - range;
            };
    to = from + range;
    leaves = new ArrayList<>();
    for (int i = from; i < to; i++) {
      leaves.add(MerkleHashes.leaf(data(i)));
    }
    proof = tree.rangeProof(from, to, size);
    root = tree.root();
  }

  /** Ours: the 100 records against the checkpointed root with an O(log n) range proof. */
  @Benchmark
  public boolean merkleRangeProof() {
    if (!MerkleProofs.verifyRange(leaves, from, size, proof, root)) {
      throw new IllegalStateException("range proof failed");
    }
    return true;
  }

  /** The prover's side: building the range proof from the stored tree. */
  @Benchmark
  public int merkleRangeProofGeneration() {
    return tree.rangeProof(from, to, size).size();
  }

  @Benchmark
  public boolean schneierKelseyRange() {
    return sk.verify(from, to);
  }

  @Benchmark
  public boolean maTsudikWholeLog() {
    return mt.verifyAll();
  }
}
