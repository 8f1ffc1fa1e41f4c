package dev.keychain.core.audit;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Two frame buffers: the appender fills one while a background thread writes the other to its
 * segment, followed by the steps that must wait for those bytes (forcing a checkpoint, storing the
 * evolved key). Copying into new page-cache pages costs about half as much as hashing the record,
 * so the two run on separate cores; buffers are large because waking the writer is itself costly (a
 * cross-CPU wake-up, about 10 us on a virtual machine). One thread writes everything, so the file
 * receives the frames and the key store its keys in order.
 *
 * <p>A failed write or step leaves the segment in an unknown state, so it stops this writer for
 * good: every later use throws, and reopening the log (which cuts a torn tail and catches the key
 * up) recovers.
 */
final class BackgroundFrameWriter implements AutoCloseable {
  /** What runs on the background thread after a buffer is written. */
  interface Step {
    void run() throws IOException;

    /** Called instead of {@link #run} when the write before it failed. */
    default void discard() {}
  }

  private static final int BUFFER_BYTES = 1024 * 1024;
  private final String log;
  private ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
  private ByteBuffer spare = ByteBuffer.allocateDirect(BUFFER_BYTES);
  private ExecutorService thread;
  private java.util.List<Step> steps = new java.util.ArrayList<>();
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

  /** Runs {@code step} once what the buffer holds now is written (in order with other steps). */
  void afterWrite(Step step) {
    steps.add(step);
  }

  /**
   * Hands the buffer to the background thread, which writes it and then runs its steps, and
   * continues in the other buffer once that one is written. Returns the background task.
   */
  Future<?> submit(FileChannel target) throws IOException {
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
    java.util.List<Step> after = takeSteps();
    full.flip();
    pending =
        thread.submit(
            () -> {
              write(full, target, after);
              return null;
            });
    buffer = spare;
    spare = full;
    return pending;
  }

  private java.util.List<Step> takeSteps() {
    java.util.List<Step> taken = steps;
    steps = new java.util.ArrayList<>();
    return taken;
  }

  /** Writes {@code data} and runs {@code after}; a failure stops this writer. */
  private void write(ByteBuffer data, FileChannel target, java.util.List<Step> after)
      throws IOException {
    int done = 0;
    try {
      while (data.hasRemaining()) {
        target.write(data);
      }
      data.clear();
      for (Step step : after) {
        done++;
        step.run();
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
      after.subList(done, after.size()).forEach(Step::discard);
      throw e;
    }
  }

  /** The latest background task, or null when none was submitted since the last wait. */
  Future<?> pending() {
    return pending;
  }

  /** Writes the buffer and runs its steps on the calling thread, after the background write. */
  void writeNow(FileChannel target) throws IOException {
    awaitPending();
    checkHealthy();
    buffer.flip();
    write(buffer, target, takeSteps());
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

  /**
   * Stops the background thread once its work is done (the caller waited for it); steps never run
   * are discarded.
   */
  @Override
  public void close() {
    takeSteps().forEach(Step::discard);
    if (thread != null) {
      thread.shutdown();
    }
  }
}
