package dev.keychain.core.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The on-disk framing of the log: segment files {@code segment-<n>.log}, each a sequence of frames
 * {@code [u32 length][u8 type][payload][u32 CRC-32C of type and payload]}. The CRC only detects
 * torn or garbled writes; integrity against an attacker comes from the Merkle root and the MACs.
 * Zeros after the last frame of the last segment are padding ({@link SegmentFile}), not data.
 */
final class LogFrames {
  static final byte RECORD = 1;
  static final byte CHECKPOINT = 2;
  static final byte CHECKPOINT_SIGNATURE = 3;
  static final int MAX_PAYLOAD = 16 * 1024 * 1024;

  private LogFrames() {}

  /**
   * One frame. A record scanned for verification may carry only its leaf hash (payload null): a
   * verification of a large log then holds 32 bytes per record, not the records.
   */
  record Frame(byte type, byte[] payload, int segment, long offset, byte[] leafHash) {
    Frame(byte type, byte[] payload, int segment, long offset) {
      this(type, payload, segment, offset, null);
    }
  }

  /** What a scan found: good frames, and where the valid data ends if a torn tail follows. */
  record Scan(List<Frame> frames, int lastSegment, long validLength, String tornTail) {}

  static Path segment(Path dir, int n) {
    return dir.resolve(String.format("segment-%06d.log", n));
  }

  /** The segment numbers present, in order (older ones may have been pruned). */
  static List<Integer> segmentNumbers(Path dir) throws IOException {
    List<Integer> numbers = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return numbers;
    }
    try (var files = Files.list(dir)) {
      files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.matches("segment-[0-9]{6}\\.log"))
          .map(n -> Integer.parseInt(n.substring(8, 14)))
          .sorted()
          .forEach(numbers::add);
    }
    for (int i = 1; i < numbers.size(); i++) {
      if (numbers.get(i) != numbers.get(i - 1) + 1) {
        throw new AuditLogException(
            AuditLogException.Kind.CORRUPT,
            "segment "
                + (numbers.get(i - 1) + 1)
                + " is missing between "
                + numbers.get(i - 1)
                + " and "
                + numbers.get(i));
      }
    }
    return numbers;
  }

  static List<Path> segments(Path dir) throws IOException {
    return paths(dir, segmentNumbers(dir));
  }

  private static List<Path> paths(Path dir, List<Integer> numbers) {
    List<Path> out = new ArrayList<>();
    for (int n : numbers) {
      out.add(segment(dir, n));
    }
    return out;
  }

  static int segmentsCount(Path dir) {
    try {
      return segments(dir).size();
    } catch (IOException e) {
      return 0;
    }
  }

  static byte[] encode(byte type, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(4 + 1 + payload.length + 4);
    b.putInt(payload.length).put(type).put(payload);
    CRC32C crc = new CRC32C();
    crc.update(type);
    crc.update(payload);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * Reads every segment. A frame that is cut short or fails its CRC at the very end of the last
   * segment is a torn tail (a crash during an append); anywhere else it is corruption.
   */
  static Scan scan(Path dir) throws IOException {
    return scan(dir, null, VerificationPace.full(), false);
  }

  /**
   * As {@link #scan(Path)}, reading only what lay before {@code end} (null: everything): later
   * segments, and data of the last one beyond its length, are being written and are not read.
   */
  static Scan scan(Path dir, LogEnd end, VerificationPace pace, boolean hashRecords)
      throws IOException {
    java.security.MessageDigest digest = MerkleHashes.newSha256();
    List<Frame> frames = new ArrayList<>();
    List<Integer> numbers = segmentNumbers(dir);
    if (end != null) {
      numbers = numbers.stream().filter(n -> n <= end.segment()).toList();
    }
    List<Path> segments = paths(dir, numbers);
    int lastPosition = Math.max(0, segments.size() - 1);
    int last = numbers.isEmpty() ? 0 : numbers.get(lastPosition);
    long validLength = 0;
    String torn = null;
    for (int position = 0; position < segments.size(); position++) {
      int s = numbers.get(position);
      byte[] data = Files.readAllBytes(segments.get(position));
      if (end != null && s == end.segment() && data.length > end.length()) {
        data = java.util.Arrays.copyOf(data, (int) end.length());
      }
      int pos = 0;
      while (pos < data.length) {
        String problem = null;
        int length = -1;
        if (data.length - pos < 9) {
          problem = "incomplete frame header";
        } else {
          length = ByteBuffer.wrap(data, pos, 4).getInt();
          if (length < 0 || length > MAX_PAYLOAD) {
            problem = "frame length " + length + " out of range";
          } else if (data.length - pos < 9 + length) {
            problem = "frame cut short";
          } else {
            CRC32C crc = new CRC32C();
            crc.update(data, pos + 4, 1 + length);
            int stored = ByteBuffer.wrap(data, pos + 5 + length, 4).getInt();
            if ((int) crc.getValue() != stored) {
              problem = "frame checksum mismatch";
            }
          }
        }
        if (problem != null && s == last && zeros(data, pos)) {
          // Padding of a direct write's last block (see SegmentFile): the end of the data.
          return new Scan(frames, s, pos, null);
        }
        if (problem != null) {
          String where = segments.get(position).getFileName() + " offset " + pos;
          if (s == last && isTail(data, pos, length)) {
            torn = problem + " at " + where;
            validLength = pos;
            return new Scan(frames, s, validLength, torn);
          }
          throw new AuditLogException(
              AuditLogException.Kind.CORRUPT, "log is corrupt: " + problem + " at " + where);
        }
        byte type = data[pos + 4];
        if (hashRecords && type == RECORD && !PruneRecord.mayBe(data, pos + 5, length)) {
          digest.update((byte) 0x00);
          digest.update(data, pos + 5, length);
          frames.add(new Frame(type, null, s, pos, digest.digest()));
        } else {
          byte[] payload = new byte[length];
          System.arraycopy(data, pos + 5, payload, 0, length);
          frames.add(new Frame(type, payload, s, pos));
        }
        if (frames.size() % VerificationPace.SLICE_FRAMES == 0) {
          pace.breathe();
        }
        pos += 9 + length;
      }
      validLength = data.length;
    }
    return new Scan(frames, last, validLength, torn);
  }

  private static boolean zeros(byte[] data, int from) {
    for (int i = from; i < data.length; i++) {
      if (data[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether a bad frame at {@code pos} could be the last, torn write: nothing valid follows. */
  private static boolean isTail(byte[] data, int pos, int length) {
    return length < 0 || pos + 9L + length >= data.length;
  }
}
