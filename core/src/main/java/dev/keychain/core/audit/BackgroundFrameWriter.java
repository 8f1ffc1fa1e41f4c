package dev.keychain.core.audit;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Two frame buffers: the appender fills one while a background thread finishes the other (its
 * {@link Job}: the tree's inner nodes, the checkpoints reserved in it), writes it to its segment
 * and then does what must wait for those bytes (forcing a checkpoint, storing the evolved key).
 * Copying into new page-cache pages and the inner nodes cost about two thirds of hashing the
 * records, so the two threads run on separate cores. Buffers are large because handing one over
 * wakes the other thread, itself costly (a cross-CPU wake-up, 10-20 us on a virtual machine). One
 * thread does it all, so the file receives the frames, and the key store its keys, in order.
 *
 * <p>A failed write or job leaves the segment in an unknown state, so it stops this writer for
 * good: every later use throws, and reopening the log (which cuts a torn tail and catches the key
 * up) recovers.
 */
final class BackgroundFrameWriter implements AutoCloseable {
  /** What goes with a buffer. */
  interface Job {
    /** Before the buffer is written: may fill in bytes reserved in it (absolute puts only). */
    void prepare(ByteBuffer buffer) throws IOException;

    /** Once the buffer is written. */
    void complete() throws IOException;

    /** Instead of {@link #complete} when something failed. */
    void discard();
  }

  private static final int BUFFER_BYTES = 1024 * 1024;
  private final String log;
  private ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
  private ByteBuffer spare = ByteBuffer.allocateDirect(BUFFER_BYTES);
  private ExecutorService thread;
  private Future<?> pending;
  private volatile Throwable failure;

  /** {@code log} names the log in error messages. */
  BackgroundFrameWriter(String log) {
    this.log = log;
  }

  /** The buffer the appender fills. */
  ByteBuffer buffer() {
    return buffer;
  }

  static int capacity() {
    return BUFFER_BYTES;
  }

  /** Throws if an earlier background write failed. */
  void checkHealthy() {
    Throwable f = failure;
    if (f != null) {
      throw new AuditLogException(
          AuditLogException.Kind.IO,
          "audit log "
              + log
              + " stopped after a failed write ("
              + f.getMessage()
              + "); reopen it to recover",
          f);
    }
  }

  boolean failed() {
    return failure != null;
  }

  /**
   * Hands the buffer and its job to the background thread and continues in the other buffer once
   * that one is written. Returns the background task.
   */
  Future<?> submit(SegmentFile target, Job job) throws IOException {
    awaitPending();
    checkHealthy();
    if (thread == null) {
      thread =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "audit-log-writer");
                t.setDaemon(true);
                return t;
              });
    }
    ByteBuffer full = buffer;
    full.flip();
    pending =
        thread.submit(
            () -> {
              write(full, target, job);
              return null;
            });
    buffer = spare;
    spare = full;
    return pending;
  }

  /** The latest background task, or null when none was submitted since the last wait. */
  Future<?> pending() {
    return pending;
  }

  /** Does the buffer's job on the calling thread, after the background one. */
  void writeNow(SegmentFile target, Job job) throws IOException {
    awaitPending();
    checkHealthy();
    buffer.flip();
    write(buffer, target, job);
  }

  /** Prepares, writes and completes; a failure stops this writer. */
  private void write(ByteBuffer data, SegmentFile target, Job job) throws IOException {
    try {
      job.prepare(data);
      target.append(data);
      data.clear();
      job.complete();
    } catch (IOException | RuntimeException e) {
      failure = e;
      job.discard();
      throw e;
    }
  }

  /** Waits for the background task (appender's thread only). */
  void awaitPending() throws IOException {
    if (pending == null) {
      return;
    }
    try {
      await(pending);
    } finally {
      pending = null;
    }
  }

  /** Waits for {@code task} (any thread); null is done. */
  static void await(Future<?> task) throws IOException {
    if (task == null) {
      return;
    }
    try {
      task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for an audit log write");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io
          ? io
          : new IOException("audit log write failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** Stops the background thread once its work is done (the caller waited for it). */
  @Override
  public void close() {
    if (thread != null) {
      thread.shutdown();
    }
  }
}
