package dev.keychain.core.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The index of a segment, {@code segment-<n>.idx}: the index of the segment's first record (8
 * bytes), then the offset of each record frame in the segment (8 bytes each). It lets a reader
 * fetch records a..b without scanning the log. It is derived data: the writer rebuilds any index
 * that does not match its segment when it opens the log.
 */
final class SegmentIndex {
  private SegmentIndex() {}

  static Path path(Path dir, int segment) {
    return dir.resolve(String.format("segment-%06d.idx", segment));
  }

  static FileChannel create(Path dir, int segment, long firstRecord) throws IOException {
    FileChannel channel =
        FileChannel.open(
            path(dir, segment),
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
    channel.write(ByteBuffer.allocate(Long.BYTES).putLong(0, firstRecord));
    return channel;
  }

  /** Rewrites the index of every segment whose index is missing or disagrees with the scan. */
  static void rebuildStale(Path dir, LogFrames.Scan scan) throws IOException {
    java.util.TreeMap<Integer, List<Long>> offsets = new java.util.TreeMap<>();
    java.util.Map<Integer, Long> first = new java.util.HashMap<>();
    long records = PruneMarker.read(dir).map(PruneMarker::records).orElse(0L);
    for (int s : LogFrames.segmentNumbers(dir)) {
      offsets.put(s, new ArrayList<>());
    }
    for (LogFrames.Frame f : scan.frames()) {
      first.putIfAbsent(f.segment(), records);
      if (f.type() == LogFrames.RECORD) {
        offsets.get(f.segment()).add(f.offset());
        records++;
      }
    }
    for (var e : offsets.entrySet()) {
      int s = e.getKey();
      long firstRecord = first.getOrDefault(s, records);
      Path p = path(dir, s);
      long expectedSize = Long.BYTES * (1L + e.getValue().size());
      if (Files.exists(p) && Files.size(p) == expectedSize && readFirst(p) == firstRecord) {
        continue;
      }
      ByteBuffer b = ByteBuffer.allocate((int) expectedSize);
      b.putLong(firstRecord);
      e.getValue().forEach(b::putLong);
      Files.write(p, b.array());
    }
  }

  /** Opens the last segment's (now consistent) index for appending, creating it if needed. */
  static FileChannel openForAppend(Path dir, int segment, LogFrames.Scan scan) throws IOException {
    Path p = path(dir, segment);
    if (!Files.exists(p)) {
      long records =
          PruneMarker.read(dir).map(PruneMarker::records).orElse(0L)
              + scan.frames().stream().filter(f -> f.type() == LogFrames.RECORD).count();
      return create(dir, segment, records);
    }
    FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE);
    channel.position(channel.size());
    return channel;
  }

  static long readFirst(Path p) throws IOException {
    try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(Long.BYTES);
      c.read(b, 0);
      return b.getLong(0);
    }
  }
}
