package dev.keychain.bench.audit;

import dev.keychain.core.audit.AuditLogWriter;
import dev.keychain.core.audit.EvolvingKey;
import dev.keychain.core.audit.MerkleHashes;
import dev.keychain.core.audit.MerkleTree;
import dev.keychain.core.crypto.Hashes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Tag generation (seed 003, Table 3 and Fig. 7): appending 1 KiB records, beside raw SHA-256 of 1
 * KiB in the same run (target: append >= 50% of it) and the Schneier-Kelsey and Ma-Tsudik
 * baselines.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch"})
public class AuditAppendBenchmark {
  private final byte[] record = new byte[1024];
  private final MessageDigest sha = Hashes.sha256();
  private MerkleTree tree;
  private SchneierKelseyLog sk;
  private MaTsudikLog mt;
  private AuditLogWriter writer;
  private Path dir;
  private java.nio.channels.FileChannel rawSegment;
  private final java.nio.ByteBuffer frames = java.nio.ByteBuffer.allocateDirect(1024 * 1024);
  private long n;

  /**
   * Where audit benchmarks put their logs: on disk, as an AuditLog's volume is
   * (-Dkeychain.bench.audit-dir to choose another).
   */
  static Path base() throws IOException {
    return Files.createDirectories(
        Path.of(System.getProperty("keychain.bench.audit-dir", "target")));
  }

  /**
   * Backs the memory the iterations write into before anything is measured (as -XX:+AlwaysPreTouch
   * does for the heap). On a virtual machine whose RAM the host backs lazily and takes back once
   * the guest has freed it for a while (this one), the first touch of a guest page is a host fault:
   * writing 1 KiB to never-touched memory measured 2.7 us here, against 0.4 us for memory the guest
   * used before. A node pays that once, not per append; afterwards each iteration reuses the pages
   * the previous one freed.
   */
  @Setup(Level.Trial)
  public void backPageCacheMemory() throws IOException {
    Path scratch = Files.createTempFile(base(), "audit-bench-backing-", ".tmp");
    try (var channel =
        java.nio.channels.FileChannel.open(scratch, java.nio.file.StandardOpenOption.WRITE)) {
      for (int mib = 0; mib < 4096; mib++) {
        frames.clear();
        while (frames.hasRemaining()) {
          channel.write(frames);
        }
      }
    } finally {
      Files.delete(scratch);
      frames.clear();
    }
  }

  @Setup(Level.Iteration)
  public void setUp() throws IOException {
    tree = new MerkleTree();
    sk = new SchneierKelseyLog(new byte[32]);
    mt = new MaTsudikLog(new byte[32]);
    dir = Files.createTempDirectory(base(), "audit-bench-");
    writer =
        AuditLogWriter.open(dir, EvolvingKey.fromInitial(new byte[32], 0), (i, k) -> {}, 64L << 20);
    rawSegment =
        java.nio.channels.FileChannel.open(
            dir.resolve("raw.seg"),
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
    frames.clear();
  }

  @TearDown(Level.Iteration)
  public void tearDown() throws IOException {
    writer.close();
    rawSegment.close();
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private byte[] next() {
    record[0] = (byte) n;
    record[1] = (byte) (n >> 8);
    n++;
    return record;
  }

  /** Reference: raw SHA-256 of a 1 KiB record. */
  @Benchmark
  public byte[] referenceSha256() {
    return sha.digest(next());
  }

  /**
   * Reference: 1 KiB frames written through the page cache to a new file in the same directory,
   * from a 1 MiB buffer, no hashing: what storage costs on the path the log's direct writes avoid
   * (the kernel allocating and filling new page-cache pages).
   */
  @Benchmark
  public long referenceFrameWrite() throws IOException {
    byte[] r = next();
    if (frames.remaining() < r.length + 9) {
      frames.flip();
      while (frames.hasRemaining()) {
        rawSegment.write(frames);
      }
      frames.clear();
    }
    frames.putInt(r.length).put((byte) 1).put(r).putInt(r[0]);
    return frames.position();
  }

  /** Our tag generation in memory: RFC 9162 leaf hash plus the amortised inner nodes. */
  @Benchmark
  public long merkleAppend() {
    return tree.appendLeafHash(MerkleHashes.leaf(next()));
  }

  /**
   * The whole append: frame to a segment file (written directly to disk where the file system
   * allows), tree, a checkpoint every 1,000 records (forced, key stored).
   */
  @Benchmark
  public long logAppend() {
    long index = writer.append(next());
    if (writer.recordsSinceCheckpoint() == 1000) {
      writer.appendCheckpoint(index);
    }
    return index;
  }

  @Benchmark
  public int schneierKelseyAppend() {
    sk.append(next());
    return sk.z.size();
  }

  @Benchmark
  public int maTsudikAppend() {
    mt.append(next());
    return mt.entries.size();
  }
}
