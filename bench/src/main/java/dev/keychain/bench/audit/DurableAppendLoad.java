package dev.keychain.bench.audit;

import dev.keychain.bench.LoadRun;
import dev.keychain.core.audit.AuditLogWriter;
import dev.keychain.core.audit.EvolvingKey;
import dev.keychain.core.audit.GroupCommit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/**
 * Durable appends of 1 KiB audit records from many threads (the webhooks recording admission
 * decisions under load): one fsync per record, as {@code AuditLogs} did, against group commit,
 * beside the raw fsync rate of the same disk measured in the same run (one 1 KiB write + fsync).
 *
 * <p>Usage: {@code bench/run-durable-append.sh [seconds] [threads]}.
 */
public final class DurableAppendLoad {
  private DurableAppendLoad() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    Path dir = Files.createTempDirectory(Path.of("target"), "durable-append-");
    byte[] record = new byte[1024];

    LoadRun.Result reference;
    try (FileChannel raw =
        FileChannel.open(
            dir.resolve("raw"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      reference =
          LoadRun.run(
              "reference: write + fsync",
              1,
              seconds,
              i -> {
                try {
                  raw.write(ByteBuffer.wrap(record));
                  raw.force(false);
                  return true;
                } catch (IOException e) {
                  return false;
                }
              });
    }

    LoadRun.Result perRecord;
    try (AuditLogWriter writer = open(dir.resolve("per-record"))) {
      perRecord =
          LoadRun.run(
              "fsync per record",
              threads,
              seconds,
              i -> {
                synchronized (writer) {
                  writer.append(record);
                  writer.sync();
                }
                return true;
              });
    }

    LoadRun.Result grouped;
    long syncs;
    try (AuditLogWriter writer = open(dir.resolve("group"))) {
      GroupCommit commit = new GroupCommit(writer, () -> List.of(writer.flush()));
      grouped =
          LoadRun.run(
              "group commit",
              threads,
              seconds,
              i -> {
                long ticket;
                synchronized (writer) {
                  writer.append(record);
                  ticket = commit.ticket();
                }
                commit.awaitDurable(ticket);
                return true;
              });
      syncs = commit.syncs();
    }
    LoadRun.print(
        "Durable 1 KiB audit appends, " + threads + " threads (disk of " + dir + ")",
        "records",
        List.of(reference, perRecord, grouped));
    System.out.printf(
        Locale.ROOT,
        "group commit: %.2fx fsync-per-record throughput, %.1f records per fsync; reference fsyncs/s"
            + " %.0f%n",
        grouped.perSecond() / perRecord.perSecond(),
        grouped.requests() / (double) syncs,
        reference.perSecond());
  }

  private static AuditLogWriter open(Path dir) throws IOException {
    Files.createDirectories(dir);
    return AuditLogWriter.open(
        dir, EvolvingKey.fromInitial(new byte[32], 0), (i, k) -> {}, 64L << 20);
  }
}
