package dev.keychain.core.audit;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A bounded view of one segment file for scanning: frames are read through one reused buffer of
 * {@link #CAPACITY} bytes, so that scanning a log of many 64 MiB segments allocates no
 * segment-sized arrays (which the garbage collector would have to place as humongous objects,
 * pausing the appenders that run beside a verification). A frame larger than the buffer gets an
 * array of its own. Reads use positional {@link FileChannel#read(ByteBuffer, long)}, which is safe
 * while the writer appends to or truncates the file (unlike a mapping, which faults on truncation).
 */
final class SegmentWindow {
  static final int CAPACITY = 1 << 20;
  private final FileChannel channel;
  private final long size;
  private byte[] buffer;
  private long start; // file offset of buffer[0]
  private int filled; // valid bytes in buffer

  /** {@code size}: how much of the file to read (the file may be longer: it is being written). */
  SegmentWindow(FileChannel channel, long size, byte[] buffer) {
    this.channel = channel;
    this.size = size;
    this.buffer = buffer;
  }

  long size() {
    return size;
  }

  /**
   * Makes {@code n} bytes at file offset {@code pos} available in {@link #array()} at {@link
   * #offset(long)}; {@code pos + n} must not exceed {@link #size()}.
   */
  void need(long pos, int n) throws IOException {
    if (pos >= start && pos + n <= start + filled) {
      return;
    }
    if (n > CAPACITY) {
      byte[] own = new byte[n];
      readFully(ByteBuffer.wrap(own), pos);
      buffer = own;
      start = pos;
      filled = n;
      return;
    }
    if (buffer.length < CAPACITY) {
      buffer = new byte[CAPACITY];
    }
    int want = (int) Math.min(CAPACITY, size - pos);
    readFully(ByteBuffer.wrap(buffer, 0, want), pos);
    start = pos;
    filled = want;
  }

  byte[] array() {
    return buffer;
  }

  int offset(long pos) {
    return (int) (pos - start);
  }

  /** Whether every byte from {@code pos} to the end is zero (padding, see {@link SegmentFile}). */
  boolean zerosFrom(long pos) throws IOException {
    for (long p = pos; p < size; ) {
      int n = (int) Math.min(CAPACITY, size - p);
      need(p, n);
      int at = offset(p);
      for (int i = 0; i < n; i++) {
        if (buffer[at + i] != 0) {
          return false;
        }
      }
      p += n;
    }
    return true;
  }

  private void readFully(ByteBuffer into, long pos) throws IOException {
    long p = pos;
    while (into.hasRemaining()) {
      int read = channel.read(into, p);
      if (read < 0) {
        // The file shrank under us: only the writer's recovery truncates, and never while a
        // verification holds the log's read lock; report it as what it is.
        throw new EOFException("segment ended at " + p + " while " + size + " bytes were expected");
      }
      p += read;
    }
  }
}
