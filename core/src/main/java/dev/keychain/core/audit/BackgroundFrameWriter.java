package dev.keychain.core.audit;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Three frame buffers in a pipeline: while the appender fills one, a second thread finishes the
 * previous one (its {@link Job}: the tree's inner nodes, the checkpoints reserved in it) and a
 * third writes the one before to its segment and then does what must wait for those bytes (forcing
 * a checkpoint, storing the evolved key). Hashing the records, the inner nodes and the write (a
 * direct write mostly waits for the device) so overlap. Buffers are large because each hand-over
 * wakes a thread, itself costly (a cross-CPU wake-up, 10-20 us on a virtual machine). Each stage is
 * one thread taking buffers in order, so the file receives the frames, and the key store its keys,
 * in order.
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
  private static final int BUFFERS = 3;
  private final String log;
  private ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
  private final Deque<ByteBuffer> free = new ArrayDeque<>();
  private final Deque<InFlight> inFlight = new ArrayDeque<>();
  private ExecutorService prepareThread;
  private ExecutorService writeThread;
  private volatile Throwable failure;

  /** A buffer handed over, and the task that writes it (done when the buffer is free again). */
  private record InFlight(ByteBuffer buffer, Future<?> written) {}

  /** {@code log} names the log in error messages. */
  BackgroundFrameWriter(String log) {
    this.log = log;
    for (int i = 1; i < BUFFERS; i++) {
      free.add(ByteBuffer.allocateDirect(BUFFER_BYTES));
    }
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

  /** Stops the writer after a failure outside the background threads (an index write, a force). */
  void markFailed(Throwable t) {
    if (failure == null) {
      failure = t;
    }
  }

  /**
   * Hands the buffer and its job to the background threads and continues in a free buffer (waiting
   * for the oldest write if none is). Returns the task that writes it.
   */
  Future<?> submit(SegmentFile target, Job job) throws IOException {
    checkHealthy();
    if (prepareThread == null) {
      prepareThread = Executors.newSingleThreadExecutor(daemon("audit-log-tree"));
      writeThread = Executors.newSingleThreadExecutor(daemon("audit-log-writer"));
    }
    ByteBuffer full = buffer;
    full.flip();
    Future<?> prepared =
        prepareThread.submit(
            () -> {
              if (failure != null) {
                job.discard(); // nothing more after a failure
              } else {
                prepare(full, job);
              }
              return null;
            });
    Future<?> written =
        writeThread.submit(
            () -> {
              await(prepared); // a failure there is recorded and the job discarded
              write(full, target, job);
              return null;
            });
    inFlight.add(new InFlight(full, written));
    buffer = nextFreeBuffer();
    return written;
  }

  private ByteBuffer nextFreeBuffer() throws IOException {
    if (free.isEmpty()) {
      awaitOldest();
    }
    ByteBuffer next = free.remove();
    next.clear();
    return next;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** The latest background task, or null when none is in flight. */
  Future<?> pending() {
    return inFlight.isEmpty() ? null : inFlight.getLast().written();
  }

  /** Does the buffer's job on the calling thread, after the background ones. */
  void writeNow(SegmentFile target, Job job) throws IOException {
    awaitPending();
    checkHealthy();
    buffer.flip();
    prepare(buffer, job);
    write(buffer, target, job);
    buffer.clear();
  }

  /** Runs the job's preparation; a failure stops this writer. */
  private void prepare(ByteBuffer data, Job job) throws IOException {
    try {
      job.prepare(data);
    } catch (IOException | RuntimeException e) {
      failure = e;
      job.discard();
      throw e;
    }
  }

  /** Writes and completes; a failure stops this writer. */
  private void write(ByteBuffer data, SegmentFile target, Job job) throws IOException {
    if (failure != null) {
      job.discard(); // nothing more after a failure
      throw new IOException("not written after an earlier failure");
    }
    try {
      target.append(data);
      job.complete();
    } catch (IOException | RuntimeException e) {
      failure = e;
      job.discard();
      throw e;
    }
  }

  /** Waits for every background task (appender's thread only). */
  void awaitPending() throws IOException {
    while (!inFlight.isEmpty()) {
      awaitOldest();
    }
  }

  /** Waits for the oldest buffer in flight to be written, then frees it. */
  private void awaitOldest() throws IOException {
    InFlight oldest = inFlight.peek();
    await(oldest.written());
    inFlight.remove();
    free.add(oldest.buffer());
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

  /** Stops the background threads once their work is done (the caller waited for it). */
  @Override
  public void close() {
    if (prepareThread != null) {
      prepareThread.shutdown();
      writeThread.shutdown();
    }
  }
}
