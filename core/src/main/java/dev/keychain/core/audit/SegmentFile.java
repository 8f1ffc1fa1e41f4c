package dev.keychain.core.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The segment file a log appends to. Where the file system allows it, writes bypass the page cache
 * (O_DIRECT), as a database's write-ahead log does: the log is written once and read back rarely,
 * so caching it only costs memory (charged to the operator's pod) and the kernel's work of
 * allocating, zeroing and filling new cache pages, which measured as much as six hashes of the data
 * on a virtual machine whose memory the host backs lazily. Direct writes go out in whole aligned
 * blocks from an aligned staging buffer; the last, partial block is written padded with zeros and
 * rewritten by the next append, read back first so that a change made on disk in the meantime stays
 * for verification to report. Readers treat zeros after the last frame of the last segment as
 * padding ({@link LogFrames#scan}); closing cuts them off, and so does reopening after a crash.
 * Elsewhere (no O_DIRECT) it is a plain appending channel.
 *
 * <p>Appends come from one thread at a time; {@link #force} may run concurrently with them.
 */
final class SegmentFile implements AutoCloseable {
  private static final int STAGING_BYTES = 1024 * 1024;
  private final FileChannel channel;
  private final int block; // 0 when writes go through the page cache
  private final ByteBuffer staging;
  private long length;
  private int tail; // bytes of the last, partial block held at the start of staging

  private SegmentFile(FileChannel channel, int block, long length) {
    this.channel = channel;
    this.block = block;
    this.length = length;
    this.staging =
        block == 0
            ? null
            : ByteBuffer.allocateDirect(STAGING_BYTES + 2 * block).alignedSlice(block);
  }

  /** Creates a new, empty segment. */
  static SegmentFile create(Path path) throws IOException {
    return open(path, true, 0);
  }

  /**
   * Opens a segment for appending after its first {@code validLength} bytes; anything after them (a
   * torn frame, padding) is cut off first.
   */
  static SegmentFile open(Path path, boolean create, long validLength) throws IOException {
    List<OpenOption> options = new ArrayList<>(List.of(StandardOpenOption.WRITE));
    options.add(create ? StandardOpenOption.CREATE_NEW : StandardOpenOption.CREATE);
    int block = directBlockSize(path);
    FileChannel channel = null;
    if (block > 0) {
      options.add(StandardOpenOption.READ); // to load the partial last block
      try {
        channel = FileChannel.open(path, directOptions(options));
      } catch (IOException | UnsupportedOperationException e) {
        block = 0; // this file system refuses O_DIRECT: write through the page cache
        options.remove(StandardOpenOption.READ);
      }
    }
    if (channel == null) {
      channel = FileChannel.open(path, options.toArray(OpenOption[]::new));
    }
    SegmentFile file = new SegmentFile(channel, block, validLength);
    try {
      if (channel.size() != validLength) {
        channel.truncate(validLength);
        channel.force(true);
      }
      file.loadTail();
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    return file;
  }

  private static OpenOption[] directOptions(List<OpenOption> options) {
    List<OpenOption> all = new ArrayList<>(options);
    all.add(com.sun.nio.file.ExtendedOpenOption.DIRECT);
    return all.toArray(OpenOption[]::new);
  }

  /** The file system's block size if O_DIRECT may be tried there, else 0. */
  private static int directBlockSize(Path path) {
    try {
      Path existing = Files.exists(path) ? path : path.toAbsolutePath().getParent();
      long size = Files.getFileStore(existing).getBlockSize();
      return size > 0 && size <= 64 * 1024 && Long.bitCount(size) == 1 ? (int) size : 0;
    } catch (IOException | UnsupportedOperationException e) {
      return 0;
    }
  }

  private void loadTail() throws IOException {
    if (block == 0) {
      channel.position(length);
      return;
    }
    tail = (int) (length % block);
  }

  /**
   * Reads the partial last block into the start of staging, as the file has it: the write that
   * follows rewrites it whole, and must not undo a change made on disk (which verification is to
   * report, not the writer to repair).
   */
  private void readTail() throws IOException {
    staging.clear().limit(block);
    long start = length - tail;
    // One aligned block; the read stops short at the end of the file, after the tail.
    while (staging.position() < tail) {
      if (channel.read(staging, start + staging.position()) <= 0
          || staging.position() % block != 0) {
        break;
      }
    }
    if (staging.position() < tail) {
      throw new IOException(
          "segment is shorter than the " + length + " bytes written to it: cut by someone else?");
    }
  }

  /** The bytes appended so far (without padding). */
  long length() {
    return length;
  }

  /** Whether writes bypass the page cache. */
  boolean direct() {
    return block > 0;
  }

  /** Appends all of {@code data}. */
  void append(ByteBuffer data) throws IOException {
    if (block == 0) {
      while (data.hasRemaining()) {
        length += channel.write(data);
      }
      return;
    }
    while (data.hasRemaining()) {
      int room = staging.capacity() - block - tail;
      int n = Math.min(room, data.remaining());
      if (tail > 0) {
        readTail();
      }
      staging.clear().position(tail);
      ByteBuffer part = data.slice(data.position(), n);
      staging.put(part);
      data.position(data.position() + n);
      int end = tail + n;
      int padded = (end + block - 1) / block * block;
      while (staging.position() < padded) {
        staging.put((byte) 0);
      }
      staging.flip();
      long at = length - tail;
      while (staging.hasRemaining()) {
        at += channel.write(staging, at);
      }
      length += n;
      tail = end % block;
    }
  }

  boolean isOpen() {
    return channel.isOpen();
  }

  /** Makes what was appended durable. */
  void force() throws IOException {
    channel.force(false);
  }

  /** Cuts off the padding, forces and closes. */
  @Override
  public void close() throws IOException {
    try {
      if (channel.size() != length) {
        channel.truncate(length);
      }
      channel.force(true);
    } finally {
      channel.close();
    }
  }
}
