package dev.keychain.core.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The frames of a log, one at a time, in order: a verification of a log of millions of records
 * holds none of them (only the Merkle tree it builds), so it neither fills the heap nor keeps the
 * collector copying a growing list while appenders run beside it. A frame that is cut short or
 * fails its CRC at the very end of the last segment is a torn tail (a crash during an append);
 * anywhere else it is corruption, thrown when the stream reaches it. Not thread-safe.
 */
final class FrameStream implements AutoCloseable {
  private final List<Integer> numbers;
  private final List<Path> segments;
  private final LogEnd end;
  private final boolean hashRecords;
  private final int last;
  private final MessageDigest digest = MerkleHashes.newSha256();
  private final byte[] buffer = new byte[SegmentWindow.CAPACITY];
  private int position = -1; // index into segments of the open one
  private FileChannel channel;
  private SegmentWindow data;
  private long pos;
  private boolean done;
  private int lastSegment;
  private long validLength;
  private String tornTail;

  /**
   * Frames of {@code dir} up to {@code end} (null: everything; later segments, and data of the last
   * one beyond its length, are being written and are not read). With {@code hashRecords}, records
   * other than a possible LogPruned record come as their leaf hash only.
   */
  FrameStream(Path dir, LogEnd end, boolean hashRecords) throws IOException {
    List<Integer> present = LogFrames.segmentNumbers(dir);
    this.numbers =
        end == null ? present : present.stream().filter(n -> n <= end.segment()).toList();
    this.segments = numbers.stream().map(n -> LogFrames.segment(dir, n)).toList();
    this.end = end;
    this.hashRecords = hashRecords;
    this.last = numbers.isEmpty() ? 0 : numbers.get(numbers.size() - 1);
    this.lastSegment = last;
  }

  /** The next frame, or null at the end of the data (then see {@link #tornTail()}). */
  LogFrames.Frame next() throws IOException {
    while (!done) {
      if (data == null || pos >= data.size()) {
        if (data != null) {
          validLength = data.size();
        }
        if (!openNext()) {
          done = true;
          return null;
        }
        continue;
      }
      return frame();
    }
    return null;
  }

  /** Where the last segment's valid data ends; meaningful once {@link #next()} returned null. */
  long validLength() {
    return validLength;
  }

  int lastSegment() {
    return lastSegment;
  }

  /** What was torn off the end (a crash during an append), or null. */
  String tornTail() {
    return tornTail;
  }

  /** Reads on to the end, to learn the torn tail, ignoring any corruption on the way. */
  String drainForTail() {
    try {
      while (next() != null) {
        // only the tail is wanted
      }
    } catch (IOException | AuditLogException e) {
      return null;
    }
    return tornTail;
  }

  private boolean openNext() throws IOException {
    closeChannel();
    if (++position >= segments.size()) {
      return false;
    }
    int s = numbers.get(position);
    channel = FileChannel.open(segments.get(position), StandardOpenOption.READ);
    long size = channel.size();
    if (end != null && s == end.segment()) {
      size = Math.min(size, end.length());
    }
    data = new SegmentWindow(channel, size, buffer);
    pos = 0;
    return true;
  }

  private LogFrames.Frame frame() throws IOException {
    int s = numbers.get(position);
    long size = data.size();
    String problem = null;
    int length = -1;
    if (size - pos < 9) {
      problem = "incomplete frame header";
    } else {
      data.need(pos, 5);
      length = ByteBuffer.wrap(data.array(), data.offset(pos), 4).getInt();
      if (length < 0 || length > LogFrames.MAX_PAYLOAD) {
        problem = "frame length " + length + " out of range";
      } else if (size - pos < 9 + length) {
        problem = "frame cut short";
      } else {
        data.need(pos, 9 + length);
        int at = data.offset(pos);
        CRC32C crc = new CRC32C();
        crc.update(data.array(), at + 4, 1 + length);
        int stored = ByteBuffer.wrap(data.array(), at + 5 + length, 4).getInt();
        if ((int) crc.getValue() != stored) {
          problem = "frame checksum mismatch";
        }
      }
    }
    if (problem != null) {
      String where = segments.get(position).getFileName() + " offset " + pos;
      if (s == last && data.zerosFrom(pos)) {
        // Padding of a direct write's last block (see SegmentFile): the end of the data.
        return stop(s, pos, null);
      }
      if (s == last && (length < 0 || pos + 9L + length >= size)) {
        // Nothing valid can follow: the last, torn write.
        return stop(s, pos, problem + " at " + where);
      }
      throw new AuditLogException(
          AuditLogException.Kind.CORRUPT, "log is corrupt: " + problem + " at " + where);
    }
    byte[] array = data.array();
    int at = data.offset(pos);
    byte type = array[at + 4];
    LogFrames.Frame f;
    if (hashRecords && type == LogFrames.RECORD && !PruneRecord.mayBe(array, at + 5, length)) {
      digest.update((byte) 0x00);
      digest.update(array, at + 5, length);
      f = new LogFrames.Frame(type, null, s, pos, digest.digest());
    } else {
      byte[] payload = new byte[length];
      System.arraycopy(array, at + 5, payload, 0, length);
      f = new LogFrames.Frame(type, payload, s, pos);
    }
    pos += 9 + length;
    return f;
  }

  private LogFrames.Frame stop(int segment, long at, String torn) throws IOException {
    done = true;
    lastSegment = segment;
    validLength = at;
    tornTail = torn;
    closeChannel();
    return null;
  }

  private void closeChannel() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  @Override
  public void close() throws IOException {
    closeChannel();
  }
}
