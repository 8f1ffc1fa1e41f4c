package dev.keychain.bench.audit;

import dev.keychain.core.audit.AuditLogWriter;
import dev.keychain.core.audit.EvolvingKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;

/**
 * Storage per record (seed 003, Table 3): the bytes our log keeps on disk beyond the records
 * themselves (frames, index, checkpoints), measured on a real log, beside the tags the
 * Schneier-Kelsey and Ma-Tsudik baselines hold for the same records. The reference is the records'
 * own size.
 *
 * <p>Usage: {@code bench/run-audit-storage.sh [records (100000)] [checkpoint every (1000)]}.
 */
public final class AuditStorageReport {
  private static final int RECORD_BYTES = 1024;

  private AuditStorageReport() {}

  public static void main(String[] args) throws IOException {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int every = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    SchneierKelseyLog sk = new SchneierKelseyLog(new byte[32]);
    MaTsudikLog mt = new MaTsudikLog(new byte[32]);
    long onDisk = logBytes(n, every, sk, mt);
    long withoutCheckpoints = logBytes(n, 0, null, null);
    long records = (long) n * RECORD_BYTES;
    long ours = onDisk - records;
    long skTags = (long) (sk.y.size() + sk.z.size()) * 32;
    System.out.printf(
        Locale.ROOT,
        "storage beyond %,d records of %d bytes (reference: the records, %,d bytes)%n",
        n,
        RECORD_BYTES,
        records);
    line("ours: frames + index + checkpoints on disk", ours, n, records);
    line("  of which checkpoints (tags) every " + every, onDisk - withoutCheckpoints, n, records);
    line("Schneier-Kelsey: Y_j and Z_j per record", skTags, n, records);
    line("Ma-Tsudik (FssAgg): one aggregate tag", 32, n, records);
    System.out.println(
        "(ours also keeps the tree in memory, about 64 bytes a record, rebuilt from the records on"
            + " open; every scheme keeps one current key)");
  }

  /**
   * Writes {@code n} records (a checkpoint every {@code every}, none if 0) to a new log on the
   * benchmark disk, feeding the baselines the same records if given; returns the log's bytes.
   */
  private static long logBytes(int n, int every, SchneierKelseyLog sk, MaTsudikLog mt)
      throws IOException {
    Path dir = Files.createTempDirectory(AuditAppendBenchmark.base(), "audit-storage-");
    try {
      try (AuditLogWriter w =
          AuditLogWriter.open(
              dir, EvolvingKey.fromInitial(new byte[32], 0), (i, k) -> {}, 64L << 20)) {
        for (int i = 0; i < n; i++) {
          byte[] r = new byte[RECORD_BYTES];
          r[0] = (byte) i;
          r[1] = (byte) (i >> 8);
          r[2] = (byte) (i >> 16);
          w.append(r);
          if (sk != null) {
            sk.append(r);
            mt.append(r);
          }
          if (every > 0 && (i + 1) % every == 0) {
            w.appendCheckpoint(i);
          }
        }
      }
      try (var files = Files.walk(dir)) {
        return files.filter(Files::isRegularFile).mapToLong(AuditStorageReport::size).sum();
      }
    } finally {
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static void line(String what, long bytes, int n, long reference) {
    System.out.printf(
        Locale.ROOT,
        "%-48s %,12d bytes | %8.3f bytes/record | ratio %.4f%n",
        what,
        bytes,
        (double) bytes / n,
        (double) bytes / reference);
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
