package dev.keychain.core.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * <p>The work runs in three stages so that hashing records and writing them overlap: the appender
 * frames each record into a buffer and hashes its leaf; then, buffer by buffer ({@link
 * BackgroundFrameWriter}), one thread adds the leaves to the tree (the inner nodes) and fills in
 * the checkpoints reserved in the buffer (root, MAC with K_i, then K_i erased), and another writes
 * it ({@link SegmentFile}), forces it if it holds a checkpoint and stores the evolved key. {@link
 * #sync()} waits for all of it. Not thread-safe (callers serialise), except for running the step
 * {@link #flush} returns.
 */
public final class AuditLogWriter implements AutoCloseable {
  /** Where the current (sealed) key is kept between runs, e.g. a Secret or a file. */
  public interface KeyStore {
    /**
     * Stores K_index; the caller wipes {@code key} afterwards. Called in order, from the log's
     * background writer thread (or while opening), once the checkpoint MACed with K_{index-1} is
     * durable.
     */
    void store(long index, byte[] key);
  }

  private static final int CHECKPOINT_FRAME = 9 + CheckpointCodec.SIZE;
  private static final int SIGNATURE_FRAME = 9 + CheckpointSignatures.SIGNATURE_BYTES;

  private final Path dir;
  private final long segmentBytes;
  private final KeyStore keyStore;
  // Appender side. Every direct use of the channel first waits for the background write, so the
  // file always receives the frames in order. A record is acknowledged only by flush()'s step
  // (which waits for that write) and its force, so buffering loses nothing that was acknowledged.
  private final BackgroundFrameWriter frames;
  private Batch batch = new Batch();
  private final ByteBuffer indexBuffer = ByteBuffer.allocateDirect(64 * 1024);
  private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
  private final java.security.MessageDigest leafDigest = MerkleHashes.newSha256();
  private SegmentFile channel;
  private FileChannel index;
  private int segment;
  private long segmentLength;
  private long appended;
  private long recordsSinceCheckpoint;
  // Background side: used by whichever thread runs a batch, one batch at a time and in order
  // (the appender's thread only after waiting for the background one).
  private final MerkleTree tree;
  private final EvolvingKey key;
  private org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters signer;
  private volatile Checkpoint lastCheckpoint; // published once durable
  private boolean lastCheckpointSigned; // as found on open; true from the first signed one on

  private AuditLogWriter(
      Path dir, long segmentBytes, KeyStore keyStore, MerkleTree tree, EvolvingKey key) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.keyStore = keyStore;
    this.tree = tree;
    this.key = key;
    this.appended = tree.size();
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
      boolean lastSigned = false;
      long since = 0;
      for (LogFrames.Frame f : scan.frames()) {
        if (f.type() == LogFrames.RECORD) {
          tree.appendLeafHash(MerkleHashes.leaf(f.payload()));
          since++;
        } else if (f.type() == LogFrames.CHECKPOINT) {
          last = CheckpointCodec.decode(f.payload());
          lastSigned = false;
          since = 0;
        } else if (f.type() == LogFrames.CHECKPOINT_SIGNATURE) {
          lastSigned = true;
        }
      }
      AuditLogWriter writer = new AuditLogWriter(dir, segmentBytes, keyStore, tree, currentKey);
      writer.lastCheckpoint = last;
      writer.lastCheckpointSigned = lastSigned;
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
      // Cuts a torn tail or padding off.
      writer.channel = SegmentFile.open(file, false, Files.exists(file) ? scan.validLength() : 0);
      writer.segmentLength = writer.channel.length();
      SegmentIndex.rebuildStale(dir, scan);
      writer.index = SegmentIndex.openForAppend(dir, writer.segment, scan);
      return writer;
    } catch (IOException e) {
      throw ioFailure("cannot open audit log", dir, e);
    }
  }

  /** Also signs every checkpoint with this Ed25519 key (for offline verification). */
  public AuditLogWriter signCheckpointsWith(
      org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters key) {
    this.signer = key;
    return this;
  }

  /**
   * Signs every checkpoint from now on with {@code key}. A log whose last checkpoint is unsigned
   * (written before signing began, e.g. by an older release) first gets a {@link
   * SigningStartedRecord} naming the public key, under a signed checkpoint: a verifier with the
   * public key needs the last checkpoint signed, and that one's root covers every record before it,
   * so the unsigned checkpoints before it lose nothing but their own signatures (which the verifier
   * reports as not checked). Returns whether such a record was written.
   */
  public boolean startSigning(
      org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters key, long timestampMillis) {
    this.signer = key;
    if (lastCheckpoint == null || lastCheckpointSigned) {
      return false;
    }
    append(
        SigningStartedRecord.canonicalJson(
            key.generatePublicKey().getEncoded(),
            lastCheckpoint.treeSize(),
            java.time.Instant.ofEpochMilli(timestampMillis)));
    checkpoint(timestampMillis);
    lastCheckpointSigned = true;
    return true;
  }

  /**
   * Where the log ends now, including frames appended but not yet durable: after {@link #sync()},
   * the end of the durable log, which a verification may read while appends continue.
   */
  public LogEnd end() {
    return new LogEnd(segment, segmentLength);
  }

  /** How many records the log holds, including those appended but not yet written. */
  public long size() {
    return appended;
  }

  /** The last checkpoint that is durable (with its evolved key stored). */
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
    // After the frame: a full buffer was handed over with its own batch before this frame.
    batch.addLeaf(MerkleHashes.leaf(leafDigest, record));
    recordsSinceCheckpoint++;
    return appended++;
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
    SegmentFile segmentChannel = channel;
    java.util.concurrent.Future<?> written;
    try {
      flushIndex();
      written =
          frames.buffer().position() > 0 || !batch.isEmpty() ? submitBuffer() : frames.pending();
    } catch (IOException e) {
      // stopped until reopened (which cuts the torn tail), so its failure is known to be its own
      frames.markFailed(e);
      throw ioFailure("cannot sync audit log", dir, e);
    }
    return () -> {
      try {
        BackgroundFrameWriter.await(written);
        segmentChannel.force();
      } catch (java.nio.channels.ClosedChannelException e) {
        // rolled over or closed, and forced when it was
      } catch (IOException e) {
        frames.markFailed(e);
        throw ioFailure("cannot sync audit log", dir, e);
      }
    };
  }

  /**
   * Appends a checkpoint of everything appended so far, without waiting for it: the background
   * writer computes the root, MACs it with K_i, erases K_i, writes and forces the checkpoint and
   * then stores K_{i+1}. It is durable once the next {@link #sync()} returns (or the buffer it is
   * in fills up), and then shows in {@link #lastCheckpoint()}.
   */
  public void appendCheckpoint(long timestampMillis) {
    frames.checkHealthy();
    int length = CHECKPOINT_FRAME + (signer != null ? SIGNATURE_FRAME : 0);
    try {
      startNewSegmentIfFull(length);
      ByteBuffer buffer = bufferWithRoom(length);
      // Reserved here, in order with the records; filled in by the batch before it is written.
      int offset = buffer.position();
      buffer.position(offset + length);
      batch.addCheckpoint(offset, timestampMillis, channel);
      segmentLength += length;
      recordsSinceCheckpoint = 0;
    } catch (IOException e) {
      throw ioFailure("cannot append to audit log", dir, e);
    }
  }

  /** Writes a checkpoint of everything appended so far and returns it once durable. */
  public Checkpoint checkpoint(long timestampMillis) {
    appendCheckpoint(timestampMillis);
    sync();
    return lastCheckpoint;
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
   * The records and checkpoints of one buffer, for the background side: the leaves become tree
   * nodes and the reserved checkpoints are computed, all before the buffer is written; once it is
   * written, the checkpoints are forced and the evolved keys stored.
   */
  /** A checkpoint reserved in a buffer: after which of its leaves, where, and its time. */
  private record Reserved(int leavesBefore, int offset, long timestampMillis) {}

  private final class Batch implements BackgroundFrameWriter.Job {
    private byte[] leaves = new byte[MerkleHashes.SIZE * 1024];
    private int leafCount;
    private final List<Reserved> reserved = new java.util.ArrayList<>();
    private SegmentFile checkpointChannel;
    private final List<byte[]> evolvedKeys = new java.util.ArrayList<>();
    private final List<Long> evolvedIndexes = new java.util.ArrayList<>();
    private Checkpoint made;

    boolean isEmpty() {
      return leafCount == 0 && reserved.isEmpty();
    }

    void addLeaf(byte[] hash) {
      if ((leafCount + 1) * MerkleHashes.SIZE > leaves.length) {
        leaves = Arrays.copyOf(leaves, leaves.length * 2);
      }
      System.arraycopy(hash, 0, leaves, leafCount * MerkleHashes.SIZE, MerkleHashes.SIZE);
      leafCount++;
    }

    void addCheckpoint(int offset, long timestampMillis, SegmentFile segmentChannel) {
      reserved.add(new Reserved(leafCount, offset, timestampMillis));
      checkpointChannel = segmentChannel;
    }

    @Override
    public void prepare(ByteBuffer buffer) {
      int next = 0;
      for (Reserved r : reserved) {
        for (; next < r.leavesBefore(); next++) {
          tree.appendLeafHash(leaves, next * MerkleHashes.SIZE);
        }
        fillCheckpoint(buffer, r.offset(), r.timestampMillis());
      }
      for (; next < leafCount; next++) {
        tree.appendLeafHash(leaves, next * MerkleHashes.SIZE);
      }
    }

    private void fillCheckpoint(ByteBuffer buffer, int offset, long timestampMillis) {
      Checkpoint unsigned =
          new Checkpoint(tree.size(), tree.root(), key.index(), timestampMillis, new byte[32]);
      Checkpoint signed =
          new Checkpoint(
              unsigned.treeSize(),
              unsigned.root(),
              unsigned.keyIndex(),
              timestampMillis,
              key.mac(unsigned.macInput()));
      buffer.put(offset, LogFrames.encode(LogFrames.CHECKPOINT, CheckpointCodec.encode(signed)));
      if (signer != null) {
        buffer.put(
            offset + CHECKPOINT_FRAME,
            LogFrames.encode(
                LogFrames.CHECKPOINT_SIGNATURE, CheckpointSignatures.sign(signed, signer)));
      }
      key.evolve();
      evolvedIndexes.add(key.index());
      evolvedKeys.add(key.copyForSealing());
      made = signed;
    }

    @Override
    public void complete() throws IOException {
      if (made == null) {
        return;
      }
      try {
        checkpointChannel.force();
        for (int i = 0; i < evolvedKeys.size(); i++) {
          keyStore.store(evolvedIndexes.get(i), evolvedKeys.get(i));
        }
        lastCheckpoint = made;
      } finally {
        discard();
      }
    }

    @Override
    public void discard() {
      evolvedKeys.forEach(k -> Arrays.fill(k, (byte) 0));
    }
  }

  /**
   * Retention: drops the oldest segments so that at most {@code keep} remain. It first appends and
   * checkpoints a {@link PruneRecord} stating the prune (what authorises it to a verifier), then
   * writes a {@link PruneMarker} with the dropped records' frontier. Only segments before the
   * current one are dropped. Returns how many were dropped.
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
      PruneMarker marker =
          new PruneMarker(prunedRecords, already + prunedCheckpoints, tree.frontier(prunedRecords));
      // The authorisation first, under a durable checkpoint: a marker without it does not verify.
      long now = System.currentTimeMillis();
      append(PruneRecord.of(marker).canonicalJson(java.time.Instant.ofEpochMilli(now)));
      checkpoint(now);
      marker.write(dir);
      for (int i = 0; i < drop; i++) {
        Files.deleteIfExists(LogFrames.segment(dir, numbers.get(i)));
        Files.deleteIfExists(SegmentIndex.path(dir, numbers.get(i)));
      }
      return drop;
    } catch (IOException e) {
      throw ioFailure("cannot prune audit log", dir, e);
    }
  }

  /** The Merkle tree over every appended record (for proofs); waits for the background writer. */
  public MerkleTree tree() {
    sync();
    return tree;
  }

  /** Closes the segment and starts the next one if {@code length} more bytes would not fit. */
  private void startNewSegmentIfFull(long length) throws IOException {
    if (segmentLength == 0 || segmentLength + length <= segmentBytes) {
      return;
    }
    flushBuffer();
    flushIndex();
    channel.close(); // cuts padding and forces
    index.close();
    segment++;
    channel = SegmentFile.create(LogFrames.segment(dir, segment));
    index = SegmentIndex.create(dir, segment, appended);
    segmentLength = 0;
  }

  /** Frames a record straight into the write buffer (no intermediate copy); returns its offset. */
  private long writeRecord(byte[] record) {
    int frameLength = 9 + record.length;
    try {
      startNewSegmentIfFull(frameLength);
      long offset = segmentLength;
      if (frameLength > BackgroundFrameWriter.capacity()) {
        // Larger than a buffer: written directly, after everything before it.
        flushBuffer();
        channel.append(ByteBuffer.wrap(LogFrames.encode(LogFrames.RECORD, record)));
      } else {
        ByteBuffer buffer = bufferWithRoom(frameLength);
        crc.reset();
        crc.update(LogFrames.RECORD);
        crc.update(record);
        buffer.putInt(record.length).put(LogFrames.RECORD).put(record);
        buffer.putInt((int) crc.getValue());
      }
      segmentLength += frameLength;
      return offset;
    } catch (IOException e) {
      throw ioFailure("cannot append to audit log", dir, e);
    }
  }

  private void addIndexEntry(long offset) {
    try {
      if (indexBuffer.remaining() < Long.BYTES) {
        flushIndex();
      }
      indexBuffer.putLong(offset);
    } catch (IOException e) {
      throw ioFailure("cannot write audit log index", dir, e);
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

  /** The buffer to fill, handed over first if {@code length} more bytes do not fit. */
  private ByteBuffer bufferWithRoom(int length) throws IOException {
    if (length > frames.buffer().remaining()) {
      submitBuffer();
    }
    return frames.buffer();
  }

  private static AuditLogException ioFailure(String what, Path dir, IOException e) {
    return new AuditLogException(
        AuditLogException.Kind.IO, what + " " + dir + ": " + e.getMessage(), e);
  }

  /** Hands the buffer and its batch to the background thread; continues with new ones. */
  private java.util.concurrent.Future<?> submitBuffer() throws IOException {
    java.util.concurrent.Future<?> task = frames.submit(channel, batch);
    batch = new Batch();
    return task;
  }

  /** Writes the buffer and runs its batch here and now, after any background write. */
  private void flushBuffer() throws IOException {
    frames.writeNow(channel, batch);
    batch = new Batch();
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
        throw ioFailure("cannot close audit log", dir, e);
      }
    } finally {
      frames.close();
      key.close();
    }
  }
}
