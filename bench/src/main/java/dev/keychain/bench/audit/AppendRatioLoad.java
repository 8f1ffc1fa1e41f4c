package dev.keychain.bench.audit;

import dev.keychain.core.audit.AuditLogWriter;
import dev.keychain.core.audit.EvolvingKey;
import dev.keychain.core.crypto.Hashes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Append throughput of 1 KiB records against raw SHA-256 of the same records, measured in
 * alternating windows of the same JVM and thread, so that both see the host at nearly the same
 * moment: on a shared virtual machine the host's speed drifts by tens of percent between the
 * separate forks JMH runs them in. Each round hashes for one window and appends for another (order
 * alternating between rounds); an append window counts until {@code sync()} returned, so every
 * record was hashed, added to the tree, written and checkpointed (every 1,000 records) within it.
 * Prints each round's ratio and the median, against the target of 0.5.
 *
 * <p>Usage: {@code bench/run-append-ratio.sh [rounds (15)] [window ms (1000)]}.
 */
public final class AppendRatioLoad {
  private static final int WARM_UP_ROUNDS = 3;
  private final byte[] record = new byte[1024];
  private final MessageDigest sha = Hashes.sha256();
  private final Path base;
  private long sequence;
  private long sink;

  private AppendRatioLoad(Path base) {
    this.base = base;
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    long windowNanos = (args.length > 1 ? Long.parseLong(args[1]) : 1000) * 1_000_000L;
    Path base = AuditAppendBenchmark.base();
    AppendRatioLoad load = new AppendRatioLoad(base);
    List<Double> ratios = new ArrayList<>();
    System.out.printf(
        Locale.ROOT,
        "audit append vs raw SHA-256 of 1 KiB, %d rounds of %d ms windows, log on %s%n",
        rounds,
        windowNanos / 1_000_000,
        base);
    for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
      boolean hashFirst = (round & 1) == 0;
      double sha = hashFirst ? load.hashRate(windowNanos) : 0;
      double append = load.appendRate(windowNanos);
      if (!hashFirst) {
        sha = load.hashRate(windowNanos);
      }
      if (round < 0) {
        continue; // JIT and page cache warm-up
      }
      double ratio = append / sha;
      ratios.add(ratio);
      System.out.printf(
          Locale.ROOT,
          "round %2d: append %,10.0f records/s | SHA-256 %,10.0f /s | ratio %.2f%n",
          round + 1,
          append,
          sha,
          ratio);
    }
    List<Double> sorted = ratios.stream().sorted().toList();
    double median = sorted.get(sorted.size() / 2);
    System.out.printf(
        Locale.ROOT,
        "ratio median %.2f (min %.2f, max %.2f) | target >= 0.50: %s%n",
        median,
        sorted.get(0),
        sorted.get(sorted.size() - 1),
        median >= 0.5 ? "met" : "NOT met");
    if (load.sink == 42) {
      System.out.println(); // keeps the hashes alive for the JIT
    }
  }

  private byte[] next() {
    record[0] = (byte) sequence;
    record[1] = (byte) (sequence >> 8);
    record[2] = (byte) (sequence >> 16);
    sequence++;
    return record;
  }

  private double hashRate(long windowNanos) {
    long count = 0;
    long start = System.nanoTime();
    long elapsed;
    do {
      for (int i = 0; i < 1000; i++) {
        sink += sha.digest(next())[0];
      }
      count += 1000;
      elapsed = System.nanoTime() - start;
    } while (elapsed < windowNanos);
    return count / (elapsed / 1e9);
  }

  /** A fresh log per window (deleted after), so the rounds do not fill memory. */
  private double appendRate(long windowNanos) throws IOException {
    Path dir = Files.createTempDirectory(base, "append-ratio-");
    try {
      AuditLogWriter writer =
          AuditLogWriter.open(
              dir, EvolvingKey.fromInitial(new byte[32], 0), (i, k) -> {}, 64L << 20);
      long count = 0;
      long start = System.nanoTime();
      do {
        for (int i = 0; i < 1000; i++) {
          writer.append(next());
        }
        writer.appendCheckpoint(count);
        count += 1000;
      } while (System.nanoTime() - start < windowNanos);
      writer.sync();
      long elapsed = System.nanoTime() - start;
      writer.close();
      return count / (elapsed / 1e9);
    } finally {
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
