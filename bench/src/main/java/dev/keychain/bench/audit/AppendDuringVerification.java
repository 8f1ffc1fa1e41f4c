package dev.keychain.bench.audit;

import dev.keychain.bench.LoadRun;
import dev.keychain.core.audit.AuditLogVerifier;
import dev.keychain.core.audit.AuditLogWriter;
import dev.keychain.core.audit.Checkpoint;
import dev.keychain.core.audit.EvolvingKey;
import dev.keychain.core.audit.GroupCommit;
import dev.keychain.core.audit.LogEnd;
import dev.keychain.core.audit.VerificationPace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Durable append latency (group commit, as admissions and grants append) while a full verification
 * of a large log runs, against the same appends with no verification, in the same run. Verification
 * as the operator does it now (only the log's end read under the appenders' lock) and, for
 * comparison, as it did before (the whole verification under that lock).
 *
 * <p>Usage: {@code bench/run-append-during-verification.sh [records (1000000)] [seconds (10)]
 * [threads (16)]}.
 */
public final class AppendDuringVerification {
  private AppendDuringVerification() {}

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    Path dir = Files.createTempDirectory(Path.of("target"), "append-during-verification-");
    byte[] k0 = new byte[32];
    byte[] record = new byte[512];
    try (AuditLogWriter writer =
        AuditLogWriter.open(dir, EvolvingKey.fromInitial(k0, 0), (i, k) -> {}, 64L << 20)) {
      for (int i = 0; i < records; i++) {
        writer.append(record);
        if ((i + 1) % 1000 == 0) {
          writer.appendCheckpoint(i);
        }
      }
      writer.sync();
      System.out.printf(Locale.ROOT, "log of %d records written in %s%n", records, dir);
      GroupCommit commit = new GroupCommit(writer, () -> List.of(writer.flush()));
      java.util.function.IntPredicate append =
          i -> {
            long ticket;
            synchronized (writer) {
              writer.append(record);
              ticket = commit.ticket();
            }
            commit.awaitDurable(ticket);
            return true;
          };

      // Warm-up: compile the verification and append paths before anything is measured, as in
      // an operator that has verified before; otherwise the first phase pays for the JIT.
      new Verifier(dir, k0, writer, false, 1).once();
      LoadRun.run("warm-up", threads, Math.max(1, seconds / 2), append);
      LoadRun.Result idle = LoadRun.run("idle (reference)", threads, seconds, append);
      Verifier paced = new Verifier(dir, k0, writer, false, 0.5);
      LoadRun.Result during =
          paced.during(() -> LoadRun.run("verifying, half a core", threads, seconds, append));
      Verifier outside = new Verifier(dir, k0, writer, false, 1);
      LoadRun.Result full =
          outside.during(() -> LoadRun.run("verifying, a whole core", threads, seconds, append));
      Verifier inside = new Verifier(dir, k0, writer, true, 1);
      LoadRun.Result locked =
          inside.during(
              () -> LoadRun.run("verifying under the lock (before)", threads, seconds, append));
      LoadRun.print(
          "Durable audit appends while a "
              + records
              + "-record log is verified, "
              + threads
              + " threads",
          "records",
          List.of(idle, during, full, locked));
      System.out.printf(
          Locale.ROOT,
          "p99 append latency against idle: verifying at half a core (the operator's default)"
              + " %.2fx (goal: within 2x), at a whole core %.2fx, under the lock %.2fx; full"
              + " verifications completed: %d, %d, %d%n",
          during.percentileMs(0.99) / idle.percentileMs(0.99),
          full.percentileMs(0.99) / idle.percentileMs(0.99),
          locked.percentileMs(0.99) / idle.percentileMs(0.99),
          paced.completed.get(),
          outside.completed.get(),
          inside.completed.get());
    }
  }

  /** Verifies the whole log again and again on its own thread while a load runs. */
  private static final class Verifier {
    final Path dir;
    final byte[] k0;
    final AuditLogWriter writer;
    final boolean underLock;
    final double share;
    final AtomicLong completed = new AtomicLong();

    Verifier(Path dir, byte[] k0, AuditLogWriter writer, boolean underLock, double share) {
      this.dir = dir;
      this.k0 = k0;
      this.writer = writer;
      this.underLock = underLock;
      this.share = share;
    }

    void once() {
      AuditLogVerifier.Report report;
      if (underLock) {
        synchronized (writer) {
          writer.sync();
          report = verify(writer.lastCheckpoint(), Optional.empty());
        }
      } else {
        LogEnd end;
        Optional<Checkpoint> head;
        synchronized (writer) {
          writer.sync();
          end = writer.end();
          head = writer.lastCheckpoint();
        }
        report = verify(head, Optional.of(end));
      }
      if (!report.ok()) {
        throw new IllegalStateException("verification failed: " + report.problem().orElse(""));
      }
      completed.incrementAndGet();
    }

    private AuditLogVerifier.Report verify(Optional<Checkpoint> head, Optional<LogEnd> end) {
      return AuditLogVerifier.verify(
          dir,
          new AuditLogVerifier.Keys(Optional.of(k0), Optional.empty(), head),
          1,
          end,
          VerificationPace.share(share));
    }

    LoadRun.Result during(java.util.concurrent.Callable<LoadRun.Result> load) throws Exception {
      AtomicBoolean stop = new AtomicBoolean();
      Thread thread =
          new Thread(
              () -> {
                while (!stop.get()) {
                  once();
                }
              },
              "verifier");
      thread.start();
      try {
        return load.call();
      } finally {
        stop.set(true);
        thread.join();
      }
    }
  }
}
