package dev.keychain.core.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Appends records to the forward-secure log (seed 003, DESIGN.md section 5) and writes checkpoints:
 * the Merkle root of all records so far, MACed with the current key K_i, after which the key
 * evolves to K_{i+1} and K_i is erased.
 *
 * <p>Crash safety: a record is acknowledged once {@link #sync()} returns. On open, a torn last
 * frame (a crash during a write) is cut off, so the log loses at most unacknowledged records and
 * never ends in a frame that cannot be read. The evolved key is saved after its checkpoint is
 * durable; if the process dies in between, {@link #open} sees the checkpoint made with the saved
 * key and evolves it then. Not thread-safe.
 */
public final class AuditLogWriter implements AutoCloseable {
  /** Where the current (sealed) key is kept between runs, e.g. a Secret or a file. */
  public interface KeyStore {
    /** Stores K_index; the caller wipes {@code key} afterwards. */
    void store(long index, byte[] key);
  }

  private final Path dir;
  private final long segmentBytes;
  private final KeyStore keyStore;
  private final MerkleTree tree;
  // Frames are gathered in one buffer while the other is written by a background thread: copying
  // into new page-cache pages costs about as much as hashing the record, so the two run on
  // separate cores. Every direct use of the channel first waits for that write, so the file
  // always receives the frames in order. A record is acknowledged only by flush() (which waits
  // too) and its force, so buffering loses nothing that was acknowledged.
  private ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
  private ByteBuffer spare = ByteBuffer.allocateDirect(256 * 1024);
  private java.util.concurrent.ExecutorService io;
  private java.util.concurrent.Future<?> pending;
  private final ByteBuffer indexBuffer = ByteBuffer.allocateDirect(64 * 1024);
  private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
  private final java.security.MessageDigest leafDigest = MerkleHashes.newSha256();
  private EvolvingKey key;
  private org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters signer;
  private FileChannel channel;
  private FileChannel index;
  private int segment;
  private long segmentLength;
  private Checkpoint lastCheckpoint;
  private long recordsSinceCheckpoint;

  private AuditLogWriter(
      Path dir, long segmentBytes, KeyStore keyStore, MerkleTree tree, EvolvingKey key) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.keyStore = keyStore;
    this.tree = tree;
    this.key = key;
  }

  /**
   * Opens (or creates) the log in {@code dir} with the current key (K_i as last stored; K_0 for a
   * new log). Recovers from a torn tail and from a crash between a checkpoint and its key update.
   */
  public static AuditLogWriter open(
      Path dir, EvolvingKey currentKey, KeyStore keyStore, long segmentBytes) {
    try {
      Files.createDirectories(dir);
      LogFrames.Scan scan = LogFrames.scan(dir);
      Optional<PruneMarker> marker = PruneMarker.read(dir);
      MerkleTree tree = PruneMarker.startTree(marker);
      Checkpoint last = null;
      long since = 0;
      for (LogFrames.Frame f : scan.frames()) {
        if (f.type() == LogFrames.RECORD) {
          tree.appendLeafHash(MerkleHashes.leaf(f.payload()));
          since++;
        } else if (f.type() == LogFrames.CHECKPOINT) {
          last = CheckpointCodec.decode(f.payload());
          since = 0;
        }
      }
      AuditLogWriter writer = new AuditLogWriter(dir, segmentBytes, keyStore, tree, currentKey);
      writer.lastCheckpoint = last;
      writer.recordsSinceCheckpoint = since;
      long expectedIndex =
          last != null ? last.keyIndex() + 1 : marker.map(PruneMarker::checkpoints).orElse(0L);
      if (currentKey.index() == expectedIndex - 1) {
        // The last checkpoint was written with this key, but the evolved key was never stored.
        writer.evolveAndStore();
      } else if (currentKey.index() != expectedIndex) {
        throw new AuditLogException(
            AuditLogException.Kind.KEY_MISMATCH,
            "the stored audit key is K_"
                + currentKey.index()
                + " but the log's next checkpoint needs K_"
                + expectedIndex);
      }
      writer.segment = scan.lastSegment();
      Path file = LogFrames.segment(dir, writer.segment);
      writer.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      if (scan.tornTail() != null) {
        writer.channel.truncate(scan.validLength());
        writer.channel.force(true);
      }
      writer.segmentLength = writer.channel.size();
      writer.channel.position(writer.segmentLength);
      SegmentIndex.rebuildStale(dir, scan);
      writer.index = SegmentIndex.openForAppend(dir, writer.segment, scan);
      return writer;
    } catch (IOException e) {
      throw new AuditLogException(AuditLogException.Kind.IO, "cannot open audit log in " + dir, e);
    }
  }

  /** Also signs every checkpoint with this Ed25519 key (for offline verification). */
  public AuditLogWriter signCheckpointsWith(
      org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters key) {
    this.signer = key;
    return this;
  }

  public long size() {
    return tree.size();
  }

  public Optional<Checkpoint> lastCheckpoint() {
    return Optional.ofNullable(lastCheckpoint);
  }

  public long recordsSinceCheckpoint() {
    return recordsSinceCheckpoint;
  }

  /** Appends one record (written, not yet durable); returns its index. */
  public long append(byte[] record) {
    long offset = writeRecord(record);
    addIndexEntry(offset);
    recordsSinceCheckpoint++;
    return tree.appendLeafHash(MerkleHashes.leaf(leafDigest, record));
  }

  /** Makes every appended record durable (acknowledged). */
  public void sync() {
    flush().run();
  }

  /**
   * Writes every appended record to the file (not yet durable) and returns the step that makes them
   * durable. The step may run without holding the writer, concurrently with later appends (group
   * commit): it forces the segment the records are in; a segment closed meanwhile by a roll-over
   * was forced by it.
   */
  public Runnable flush() {
    FileChannel segmentChannel = channel;
    try {
      flushBuffer();
      flushIndex();
    } catch (IOException e) {
      throw new AuditLogException(AuditLogException.Kind.IO, "cannot sync audit log", e);
    }
    return () -> {
      try {
        segmentChannel.force(false);
      } catch (java.nio.channels.ClosedChannelException e) {
        // rolled over or closed, and forced when it was
      } catch (IOException e) {
        throw new AuditLogException(AuditLogException.Kind.IO, "cannot sync audit log", e);
      }
    };
  }

  /** Writes a checkpoint of everything appended so far, then evolves the key. */
  public Checkpoint checkpoint(long timestampMillis) {
    Checkpoint unsigned =
        new Checkpoint(tree.size(), tree.root(), key.index(), timestampMillis, new byte[32]);
    Checkpoint signed =
        new Checkpoint(
            unsigned.treeSize(),
            unsigned.root(),
            unsigned.keyIndex(),
            timestampMillis,
            key.mac(unsigned.macInput()));
    write(LogFrames.encode(LogFrames.CHECKPOINT, CheckpointCodec.encode(signed)));
    if (signer != null) {
      write(
          LogFrames.encode(
              LogFrames.CHECKPOINT_SIGNATURE, CheckpointSignatures.sign(signed, signer)));
    }
    sync();
    lastCheckpoint = signed;
    recordsSinceCheckpoint = 0;
    evolveAndStore();
    return signed;
  }

  private void evolveAndStore() {
    key.evolve();
    byte[] copy = key.copyForSealing();
    try {
      keyStore.store(key.index(), copy);
    } finally {
      Arrays.fill(copy, (byte) 0);
    }
  }

  /**
   * Retention: drops the oldest segments so that at most {@code keep} remain, after writing a
   * {@link PruneMarker} with the dropped records' frontier. Only segments before the current one
   * are dropped. Returns how many were dropped.
   */
  public int prune(int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep at least one segment");
    }
    try {
      sync();
      List<Integer> numbers = LogFrames.segmentNumbers(dir);
      int drop = numbers.size() - keep;
      if (drop <= 0) {
        return 0;
      }
      int firstKept = numbers.get(drop);
      long prunedRecords = SegmentIndex.readFirst(SegmentIndex.path(dir, firstKept));
      long prunedCheckpoints = 0;
      for (LogFrames.Frame f : LogFrames.scan(dir).frames()) {
        if (f.segment() >= firstKept) {
          break;
        }
        if (f.type() == LogFrames.CHECKPOINT) {
          prunedCheckpoints++;
        }
      }
      long already = PruneMarker.read(dir).map(PruneMarker::checkpoints).orElse(0L);
      new PruneMarker(prunedRecords, already + prunedCheckpoints, tree.frontier(prunedRecords))
          .write(dir);
      for (int i = 0; i < drop; i++) {
        Files.deleteIfExists(LogFrames.segment(dir, numbers.get(i)));
        Files.deleteIfExists(SegmentIndex.path(dir, numbers.get(i)));
      }
      return drop;
    } catch (IOException e) {
      throw new AuditLogException(AuditLogException.Kind.IO, "cannot prune audit log " + dir, e);
    }
  }

  /** The Merkle tree over the records (for proofs). */
  public MerkleTree tree() {
    return tree;
  }

  /** Writes a frame; returns its offset in its segment. */
  private long write(byte[] frame) {
    try {
      if (segmentLength > 0 && segmentLength + frame.length > segmentBytes) {
        flushBuffer();
        flushIndex();
        channel.force(true);
        channel.close();
        index.close();
        segment++;
        channel =
            FileChannel.open(
                LogFrames.segment(dir, segment),
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        index = SegmentIndex.create(dir, segment, tree.size());
        segmentLength = 0;
      }
      long offset = segmentLength;
      if (frame.length > buffer.capacity()) {
        flushBuffer();
      } else if (frame.length > buffer.remaining()) {
        submitBuffer();
      }
      if (frame.length > buffer.capacity()) {
        writeFully(ByteBuffer.wrap(frame));
      } else {
        buffer.put(frame);
      }
      segmentLength += frame.length;
      return offset;
    } catch (IOException e) {
      throw new AuditLogException(AuditLogException.Kind.IO, "cannot append to audit log", e);
    }
  }

  /** Frames a record straight into the write buffer (the hot path: no intermediate copy). */
  private long writeRecord(byte[] record) {
    int frameLength = 9 + record.length;
    if (frameLength > buffer.capacity()
        || (segmentLength > 0 && segmentLength + frameLength > segmentBytes)) {
      return write(LogFrames.encode(LogFrames.RECORD, record));
    }
    try {
      if (frameLength > buffer.remaining()) {
        submitBuffer();
      }
    } catch (IOException e) {
      throw new AuditLogException(AuditLogException.Kind.IO, "cannot append to audit log", e);
    }
    crc.reset();
    crc.update(LogFrames.RECORD);
    crc.update(record);
    buffer.putInt(record.length).put(LogFrames.RECORD).put(record).putInt((int) crc.getValue());
    long offset = segmentLength;
    segmentLength += frameLength;
    return offset;
  }

  private void addIndexEntry(long offset) {
    try {
      if (indexBuffer.remaining() < Long.BYTES) {
        flushIndex();
      }
      indexBuffer.putLong(offset);
    } catch (IOException e) {
      throw new AuditLogException(AuditLogException.Kind.IO, "cannot write audit log index", e);
    }
  }

  /** The index is rebuilt from the segment on open, so it is written but not forced. */
  private void flushIndex() throws IOException {
    indexBuffer.flip();
    while (indexBuffer.hasRemaining()) {
      index.write(indexBuffer);
    }
    indexBuffer.clear();
  }

  /** Writes the buffer here and now, after any background write. */
  private void flushBuffer() throws IOException {
    awaitPending();
    buffer.flip();
    writeFully(buffer);
    buffer.clear();
  }

  /** Hands the full buffer to the background writer and continues in the other one. */
  private void submitBuffer() throws IOException {
    awaitPending();
    if (io == null) {
      io =
          java.util.concurrent.Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "audit-log-writer");
                t.setDaemon(true);
                return t;
              });
    }
    ByteBuffer full = buffer;
    FileChannel target = channel;
    full.flip();
    pending =
        io.submit(
            () -> {
              while (full.hasRemaining()) {
                target.write(full);
              }
              full.clear();
              return null;
            });
    buffer = spare;
    spare = full;
  }

  private void awaitPending() throws IOException {
    if (pending == null) {
      return;
    }
    try {
      pending.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for an audit log write");
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof IOException io
          ? io
          : new IOException("audit log write failed", e.getCause());
    } finally {
      pending = null;
    }
  }

  private void writeFully(ByteBuffer data) throws IOException {
    while (data.hasRemaining()) {
      channel.write(data);
    }
  }

  @Override
  public void close() {
    try {
      if (channel != null && channel.isOpen()) {
        flushBuffer();
        flushIndex();
        channel.force(true);
        channel.close();
        index.close();
      }
    } catch (IOException e) {
      throw new AuditLogException(AuditLogException.Kind.IO, "cannot close audit log", e);
    } finally {
      if (io != null) {
        io.shutdown();
      }
      key.close();
    }
  }
}
