package dev.keychain.bench.audit;

import dev.keychain.core.audit.AuditLogVerifier;
import dev.keychain.core.audit.AuditLogWriter;
import dev.keychain.core.audit.EvolvingKey;
import dev.keychain.core.crypto.Hashes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.Optional;
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
 * Full (aggregate) verification of a 100,000-record log of 1 KiB records (seed 003, Fig. 9), with
 * one and two threads, beside the Schneier-Kelsey and Ma-Tsudik baselines over the same records and
 * the raw SHA-256 time of reading every record once (the reference).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class AuditVerifyBenchmark {
  static final int RECORDS = 100_000;
  private Path dir;
  private final byte[] k0 = new byte[32];
  private SchneierKelseyLog sk;
  private MaTsudikLog mt;
  private byte[][] records;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Path base = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of("target");
    dir = Files.createTempDirectory(base, "audit-verify-");
    sk = new SchneierKelseyLog(k0);
    mt = new MaTsudikLog(k0);
    records = new byte[RECORDS][];
    try (AuditLogWriter w =
        AuditLogWriter.open(dir, EvolvingKey.fromInitial(k0, 0), (i, k) -> {}, 64L << 20)) {
      for (int i = 0; i < RECORDS; i++) {
        byte[] r = new byte[1024];
        r[0] = (byte) i;
        r[1] = (byte) (i >> 8);
        r[2] = (byte) (i >> 16);
        records[i] = r;
        w.append(r);
        sk.append(r);
        mt.append(r);
        if ((i + 1) % 1000 == 0) {
          w.appendCheckpoint(i);
        }
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Benchmark
  public long referenceSha256AllRecords() {
    MessageDigest d = Hashes.sha256();
    long x = 0;
    for (byte[] r : records) {
      x += d.digest(r)[0];
    }
    return x;
  }

  @Benchmark
  public long merkleLogOneThread() {
    return check(AuditLogVerifier.verify(dir, k0, Optional.empty(), 1));
  }

  @Benchmark
  public long merkleLogTwoThreads() {
    return check(AuditLogVerifier.verify(dir, k0, Optional.empty(), 2));
  }

  @Benchmark
  public boolean schneierKelseyAll() {
    return sk.verify(0, RECORDS);
  }

  @Benchmark
  public boolean maTsudikAll() {
    return mt.verifyAll();
  }

  private static long check(AuditLogVerifier.Report r) {
    if (!r.ok()) {
      throw new IllegalStateException(r.problem().orElseThrow());
    }
    return r.records();
  }
}
