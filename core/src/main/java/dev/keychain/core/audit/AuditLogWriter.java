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
 * key and evolves it then.
 *
 * <p>Frames are written by a background thread ({@link BackgroundFrameWriter}); a checkpoint
 * evolves the key in memory at once (K_i is erased before {@link #checkpoint} returns) and leaves
 * forcing the checkpoint and storing K_{i+1} to that thread, so appenders do not wait for either.
 * Not thread-safe, except for running the step {@link #flush} returns.
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
  // Every direct use of the channel first waits for the background write, so the file always
  // receives the frames in order. A record is acknowledged only by flush()'s step (which waits
  // for that write) and its force, so buffering loses nothing that was acknowledged.
  private final BackgroundFrameWriter frames;
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
    this.frames = new BackgroundFrameWriter(dir.toString());
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

  /** Whether a background write failed; the writer then refuses everything until reopened. */
  public boolean failed() {
    return frames.failed();
  }

  /** Appends one record (written, not yet durable); returns its index. */
  public long append(byte[] record) {
    frames.checkHealthy();
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
   * Hands every appended record to the background writer and returns the step that makes them
   * durable: it waits for that write and forces the segment (and so also waits for any checkpoint
   * before them to be durable and its key stored). The step may run without holding the writer,
   * concurrently with later appends (group commit); a segment closed meanwhile by a roll-over was
   * forced by it.
   */
  public Runnable flush() {
    frames.checkHealthy();
    FileChannel segmentChannel = channel;
    java.util.concurrent.Future<?> written;
    try {
      flushIndex();
      written = frames.buffer().position() > 0 ? frames.submit(segmentChannel) : frames.pending();
    } catch (IOException e) {
      throw new AuditLogException(
          AuditLogException.Kind.IO, "cannot sync audit log " + dir + ": " + e.getMessage(), e);
    }
    return () -> {
      try {
        BackgroundFrameWriter.await(written);
        segmentChannel.force(false);
      } catch (java.nio.channels.ClosedChannelException e) {
        // rolled over or closed, and forced when it was
      } catch (IOException e) {
        throw new AuditLogException(
            AuditLogException.Kind.IO, "cannot sync audit log " + dir + ": " + e.getMessage(), e);
      }
    };
  }

  /**
   * Writes a checkpoint of everything appended so far and evolves the key, erasing the one that
   * MACed it. The checkpoint is durable, and the evolved key stored, once the next {@link #sync()}
   * returns or the buffer it is in fills up: the background writer does both, in that order,
   * without holding up appends.
   */
  public Checkpoint checkpoint(long timestampMillis) {
    frames.checkHealthy();
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
    lastCheckpoint = signed;
    recordsSinceCheckpoint = 0;
    key.evolve();
    frames.afterWrite(new KeySave(channel, key.index(), key.copyForSealing()));
    return signed;
  }

  /** Once a checkpoint is written: forces it, then stores the key that follows it. */
  private final class KeySave implements BackgroundFrameWriter.Step {
    private final FileChannel segmentChannel;
    private final long index;
    private final byte[] sealed;

    KeySave(FileChannel segmentChannel, long index, byte[] sealed) {
      this.segmentChannel = segmentChannel;
      this.index = index;
      this.sealed = sealed;
    }

    @Override
    public void run() throws IOException {
      try {
        segmentChannel.force(false);
        keyStore.store(index, sealed);
      } finally {
        discard();
      }
    }

    @Override
    public void discard() {
      Arrays.fill(sealed, (byte) 0);
    }
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
    frames.checkHealthy();
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
      ByteBuffer buffer = frames.buffer();
      if (frame.length > buffer.capacity()) {
        flushBuffer();
        writeFully(ByteBuffer.wrap(frame));
      } else {
        if (frame.length > buffer.remaining()) {
          frames.submit(channel);
        }
        frames.buffer().put(frame);
      }
      segmentLength += frame.length;
      return offset;
    } catch (IOException e) {
      throw new AuditLogException(
          AuditLogException.Kind.IO,
          "cannot append to audit log " + dir + ": " + e.getMessage(),
          e);
    }
  }

  /** Frames a record straight into the write buffer (the hot path: no intermediate copy). */
  private long writeRecord(byte[] record) {
    int frameLength = 9 + record.length;
    if (frameLength > BackgroundFrameWriter.capacity()
        || (segmentLength > 0 && segmentLength + frameLength > segmentBytes)) {
      return write(LogFrames.encode(LogFrames.RECORD, record));
    }
    ByteBuffer buffer = frames.buffer();
    try {
      if (frameLength > buffer.remaining()) {
        frames.submit(channel);
        buffer = frames.buffer();
      }
    } catch (IOException e) {
      throw new AuditLogException(
          AuditLogException.Kind.IO,
          "cannot append to audit log " + dir + ": " + e.getMessage(),
          e);
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
      throw new AuditLogException(
          AuditLogException.Kind.IO,
          "cannot write audit log index " + dir + ": " + e.getMessage(),
          e);
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
    frames.writeNow(channel);
  }

  private void writeFully(ByteBuffer data) throws IOException {
    while (data.hasRemaining()) {
      channel.write(data);
    }
  }

  /**
   * Writes and forces what is left and closes the files. A writer stopped by a failed write only
   * releases its files: what it could not write is not acknowledged, and reopening recovers.
   */
  @Override
  public void close() {
    try {
      if (channel != null && channel.isOpen()) {
        try {
          if (!frames.failed()) {
            flushBuffer();
            flushIndex();
            channel.force(true);
          } else {
            frames.awaitPending();
          }
        } finally {
          channel.close();
          index.close();
        }
      }
    } catch (IOException e) {
      if (!frames.failed()) {
        throw new AuditLogException(
            AuditLogException.Kind.IO, "cannot close audit log " + dir + ": " + e.getMessage(), e);
      }
    } finally {
      frames.close();
      key.close();
    }
  }
}
