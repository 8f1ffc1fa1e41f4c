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
   * Reads every segment (see {@link FrameStream} for torn tails and corruption). For logs that may
   * be large, stream them instead.
   */
  static Scan scan(Path dir) throws IOException {
    try (FrameStream stream = new FrameStream(dir, null, false)) {
      List<Frame> frames = new ArrayList<>();
      for (Frame f = stream.next(); f != null; f = stream.next()) {
        frames.add(f);
      }
      return new Scan(frames, stream.lastSegment(), stream.validLength(), stream.tornTail());
    }
  }
}
