package dev.keychain.core.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Segment files written directly (O_DIRECT where the file system allows) or through the cache. */
class SegmentFileTest {
  @TempDir Path dir;

  private static byte[] randomBytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    for (int i = 0; i < n; i++) {
      b[i] |= 1; // no zero bytes, so padding is told apart from data
    }
    return b;
  }

  @Test
  void appendsOfAnySizeLandInOrderWithOnlyZerosAfterThemUntilClosed() throws IOException {
    Path path = dir.resolve("segment-000000.log");
    Random random = new Random(7);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    try (SegmentFile file = SegmentFile.create(path)) {
      for (int i = 0; i < 60; i++) {
        // Within a block, across blocks, and larger than the staging buffer.
        int n = i % 20 == 19 ? (3 << 20) + 5 : random.nextInt(i % 2 == 0 ? 300 : 9000) + 1;
        byte[] data = randomBytes(random, n);
        file.append(ByteBuffer.wrap(data));
        expected.writeBytes(data);
        assertEquals(expected.size(), file.length());
        byte[] onDisk = Files.readAllBytes(path);
        assertArrayEquals(
            expected.toByteArray(),
            Arrays.copyOf(onDisk, expected.size()),
            "after append " + i + (file.direct() ? " (direct)" : " (page cache)"));
        for (int j = expected.size(); j < onDisk.length; j++) {
          assertEquals(0, onDisk[j], "padding at " + j);
        }
      }
    }
    assertArrayEquals(expected.toByteArray(), Files.readAllBytes(path), "closing cuts the padding");
  }

  @Test
  void reopeningContinuesInsideThePartialLastBlockAndCutsWhatFollowsTheValidLength()
      throws IOException {
    Path path = dir.resolve("segment-000000.log");
    Random random = new Random(11);
    byte[] first = randomBytes(random, 5000);
    try (SegmentFile file = SegmentFile.create(path)) {
      file.append(ByteBuffer.wrap(first));
    }
    // A torn frame after the valid data, as a crash leaves it.
    Files.write(path, randomBytes(random, 700), java.nio.file.StandardOpenOption.APPEND);
    byte[] second = randomBytes(random, 3000);
    try (SegmentFile file = SegmentFile.open(path, false, first.length)) {
      assertEquals(first.length, file.length());
      file.append(ByteBuffer.wrap(second));
    }
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    assertArrayEquals(both, Files.readAllBytes(path));
  }

  /** The partial last block is rewritten by the next append; a change made there on disk stays. */
  @Test
  void appendingKeepsAChangeMadeOnDiskInThePartialLastBlock() throws IOException {
    Path path = dir.resolve("segment-000000.log");
    Random random = new Random(13);
    byte[] first = randomBytes(random, 100);
    byte[] second = randomBytes(random, 100);
    try (SegmentFile file = SegmentFile.create(path)) {
      file.append(ByteBuffer.wrap(first));
      try (var other = java.nio.channels.FileChannel.open(path, StandardOpenOption.WRITE)) {
        other.write(ByteBuffer.wrap(new byte[] {'X'}), 10); // as a tampering hand would
      }
      file.append(ByteBuffer.wrap(second));
    }
    byte[] onDisk = Files.readAllBytes(path);
    assertEquals(200, onDisk.length);
    assertEquals('X', onDisk[10], "the writer must not repair what verification is to report");
    assertArrayEquals(second, Arrays.copyOfRange(onDisk, 100, 200));
  }
}
