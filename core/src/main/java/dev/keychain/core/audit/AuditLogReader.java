package dev.keychain.core.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads records a..b-1 through the segment indexes, without scanning the log: what a partial
 * verification needs (the records, then {@link MerkleProofs#verifyRange} against a checkpoint).
 */
public final class AuditLogReader {
  private AuditLogReader() {}

  /** The checkpoints in the log's segments, in order (a scan of every segment). */
  public static List<Checkpoint> checkpoints(Path dir) {
    try {
      List<Checkpoint> out = new java.util.ArrayList<>();
      for (LogFrames.Frame f : LogFrames.scan(dir).frames()) {
        if (f.type() == LogFrames.CHECKPOINT) {
          out.add(CheckpointCodec.decode(f.payload()));
        }
      }
      return out;
    } catch (java.io.IOException e) {
      throw new AuditLogException(AuditLogException.Kind.IO, "cannot read " + dir + ": " + e);
    }
  }

  /** How many records the log's indexes point at (records acknowledged by a sync). */
  public static long recordCount(Path dir) {
    try {
      List<Integer> numbers = LogFrames.segmentNumbers(dir);
      if (numbers.isEmpty()) {
        return 0;
      }
      Path idx = SegmentIndex.path(dir, numbers.get(numbers.size() - 1));
      if (!Files.exists(idx)) {
        return 0;
      }
      return SegmentIndex.readFirst(idx) + recordsIn(idx);
    } catch (IOException e) {
      throw new AuditLogException(AuditLogException.Kind.IO, "cannot read audit log " + dir, e);
    }
  }

  /** Records a segment index points at: one offset each after the first-record header. */
  private static long recordsIn(Path idx) throws IOException {
    return Files.size(idx) / Long.BYTES - 1;
  }

  public static List<byte[]> readRecords(Path dir, long from, long to) {
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("bad record range " + from + ".." + to);
    }
    List<byte[]> out = new ArrayList<>();
    try {
      List<Integer> numbers = LogFrames.segmentNumbers(dir);
      int segment = numbers.isEmpty() ? 0 : numbers.get(0);
      long index = from;
      while (index < to) {
        Path idx = SegmentIndex.path(dir, segment);
        if (!Files.exists(idx)) {
          throw new AuditLogException(
              AuditLogException.Kind.CORRUPT, "record " + index + " is beyond the log's index");
        }
        long first = SegmentIndex.readFirst(idx);
        long count = recordsIn(idx);
        if (index < first) {
          throw new AuditLogException(
              AuditLogException.Kind.CORRUPT, "record " + index + " was pruned by retention");
        }
        if (index >= first + count) {
          segment++;
          continue;
        }
        try (FileChannel offsets = FileChannel.open(idx, StandardOpenOption.READ);
            FileChannel data =
                FileChannel.open(LogFrames.segment(dir, segment), StandardOpenOption.READ)) {
          while (index < to && index < first + count) {
            ByteBuffer o = ByteBuffer.allocate(Long.BYTES);
            offsets.read(o, Long.BYTES * (1 + index - first));
            out.add(readRecord(data, o.getLong(0), index, segment));
            index++;
          }
        }
        segment++;
      }
      return out;
    } catch (IOException e) {
      throw new AuditLogException(AuditLogException.Kind.IO, "cannot read audit log " + dir, e);
    }
  }

  private static byte[] readRecord(FileChannel data, long offset, long index, int segment)
      throws IOException {
    ByteBuffer header = ByteBuffer.allocate(5);
    data.read(header, offset);
    int length = header.getInt(0);
    if (header.position() != 5
        || header.get(4) != LogFrames.RECORD
        || length < 0
        || length > LogFrames.MAX_PAYLOAD) {
      throw new AuditLogException(
          AuditLogException.Kind.CORRUPT,
          "index of segment " + segment + " does not point at record " + index);
    }
    ByteBuffer body = ByteBuffer.allocate(length + 4);
    data.read(body, offset + 5);
    byte[] payload = new byte[length];
    body.get(0, payload);
    CRC32C crc = new CRC32C();
    crc.update(LogFrames.RECORD);
    crc.update(payload);
    if ((int) crc.getValue() != body.getInt(length)) {
      throw new AuditLogException(
          AuditLogException.Kind.CORRUPT,
          "record " + index + " in segment " + segment + " is garbled");
    }
    return payload;
  }
}
