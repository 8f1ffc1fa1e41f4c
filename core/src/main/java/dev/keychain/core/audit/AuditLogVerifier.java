package dev.keychain.core.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Verifies a copied log with K_0 (every checkpoint must come in key order, cover exactly the
 * records before it, carry their Merkle root, and be MACed with its K_i), with the checkpoint
 * signing key's public half (every checkpoint signed), or with both. Detects the attack classes of
 * seed 003's Table 2: a modified or reordered record (root mismatch at the next checkpoint), an
 * inserted or deleted record (size mismatch), a replaced or forged checkpoint, or one MACed with a
 * reused or future key (MAC or key-order mismatch), and truncation or a rewritten history against a
 * trusted head. A pruned log verifies from its prune marker only if a checkpointed {@code
 * LogPruned} record, written by the writer before it pruned, states exactly that prune: a marker
 * written by hand over deleted records is refused in every mode. The report names what it could not
 * check (no K_0, no public key, no trusted head).
 */
public final class AuditLogVerifier {
  private AuditLogVerifier() {}

  /**
   * The outcome: counts, the first problem in words (empty when the log verifies), and what was not
   * checked for want of a key or a head.
   */
  public record Report(
      long records,
      long checkpoints,
      Optional<String> problem,
      String tornTail,
      java.util.List<String> notChecked) {
    public Report(long records, long checkpoints, Optional<String> problem, String tornTail) {
      this(records, checkpoints, problem, tornTail, java.util.List.of());
    }

    public boolean ok() {
      return problem.isEmpty();
    }
  }

  /** What a verification may use: K_0, the signing public key, a trusted head; threads to hash. */
  public record Keys(Optional<byte[]> k0, Optional<byte[]> publicKey, Optional<Checkpoint> head) {
    public Keys {
      if (k0.isEmpty() && publicKey.isEmpty()) {
        throw new IllegalArgumentException("verification needs K_0, a public key or both");
      }
    }
  }

  public static Report verify(Path dir, byte[] k0, Optional<Checkpoint> trustedHead) {
    return verify(dir, k0, trustedHead, 1);
  }

  /**
   * As {@link #verify(Path, byte[], Optional)}, hashing the records on {@code threads} threads
   * first (the tree makes that possible, unlike a hash chain; seed 003 section 5.2.3); the checks
   * that follow are sequential and cheap.
   */
  public static Report verify(Path dir, byte[] k0, Optional<Checkpoint> trustedHead, int threads) {
    return verify(dir, new Keys(Optional.of(k0), Optional.empty(), trustedHead), threads);
  }

  /**
   * Offline verification with the Ed25519 public key only: every checkpoint must be signed, cover
   * exactly the records before it and carry their root. MACs are not checked (that needs K_0).
   */
  public static Report verifyOffline(Path dir, byte[] publicKey, Optional<Checkpoint> trustedHead) {
    return verify(dir, new Keys(Optional.empty(), Optional.of(publicKey), trustedHead), 1);
  }

  public static Report verify(Path dir, Keys keys, int threads) {
    return verify(dir, keys, threads, Optional.empty());
  }

  /**
   * As {@link #verify(Path, Keys, int)}, of the log as it was at {@code end} (see {@link
   * AuditLogWriter#end()}): the writer may go on appending meanwhile, as long as nothing prunes it.
   */
  public static Report verify(Path dir, Keys keys, int threads, Optional<LogEnd> end) {
    return verify(dir, keys, threads, end, VerificationPace.full());
  }

  /**
   * As {@link #verify(Path, Keys, int, Optional)}, resting as {@code pace} says. The log is
   * streamed in slices of {@link VerificationPace#SLICE_FRAMES} frames: what is held is the Merkle
   * tree (about 64 bytes a record) and one slice, never the records.
   */
  public static Report verify(
      Path dir, Keys keys, int threads, Optional<LogEnd> end, VerificationPace pace) {
    Optional<PruneMarker> marker;
    try {
      marker = PruneMarker.read(dir);
    } catch (IOException | AuditLogException e) {
      return new Report(
          0, 0, Optional.of("cannot read " + PruneMarker.FILE + ": " + e.getMessage()), null);
    }
    java.util.List<String> notChecked = new java.util.ArrayList<>();
    if (keys.k0().isEmpty()) {
      notChecked.add("checkpoint MACs (no K_0)");
    }
    if (keys.publicKey().isEmpty()) {
      notChecked.add("checkpoint signatures (no public key)");
    }
    if (keys.head().isEmpty()) {
      notChecked.add("truncation and rewrites of the whole log (no trusted head)");
    }
    java.util.concurrent.ForkJoinPool pool =
        threads > 1 ? new java.util.concurrent.ForkJoinPool(threads) : null;
    try (FrameStream stream = new FrameStream(dir, end.orElse(null), pool == null);
        Pass pass = new Pass(keys, marker)) {
      java.util.List<LogFrames.Frame> slice =
          new java.util.ArrayList<>(VerificationPace.SLICE_FRAMES);
      while (true) {
        slice.clear();
        try {
          for (LogFrames.Frame f = null;
              slice.size() < VerificationPace.SLICE_FRAMES && (f = stream.next()) != null; ) {
            slice.add(f);
          }
        } catch (AuditLogException | IOException e) {
          return pass.report(Optional.of(unreadable(e)), stream.drainForTail(), notChecked);
        }
        if (slice.isEmpty()) {
          break;
        }
        byte[][] hashes = leafHashes(slice, pool);
        for (int i = 0; i < slice.size(); i++) {
          String problem = pass.accept(slice.get(i), hashes[i]);
          if (problem != null) {
            return pass.report(Optional.of(problem), stream.drainForTail(), notChecked);
          }
        }
        pace.breathe();
      }
      return pass.report(pass.finish(notChecked), stream.tornTail(), notChecked);
    } catch (IOException | AuditLogException e) {
      return new Report(0, 0, Optional.of(unreadable(e)), null);
    } finally {
      if (pool != null) {
        pool.shutdown();
      }
    }
  }

  /** The state of one pass over the frames, in log order. */
  private static final class Pass implements AutoCloseable {
    private final Keys keys;
    private final Optional<PruneMarker> marker;
    // After retention, verification starts at the first kept record with K_c, c = pruned
    // checkpoints.
    private final MerkleTree tree;
    private final EvolvingKey key;
    private final long firstCheckpoint;
    private long checkpoints;
    private Checkpoint last;
    private Checkpoint unsigned; // a checkpoint whose signature is still to come
    // Checkpoints before the first signed one may be unsigned (written before signing began,
    // e.g. by an older release): the first signed root covers their records. From the first
    // signed one on, every checkpoint must be signed, and the last one always.
    private boolean signedSeen;
    private long unsignedBefore = -1;
    private long pruneRecordAt = -1; // leaf index of the LogPruned record stating the prune

    Pass(Keys keys, Optional<PruneMarker> marker) {
      this.keys = keys;
      this.marker = marker;
      this.tree = PruneMarker.startTree(marker);
      this.checkpoints = marker.map(PruneMarker::checkpoints).orElse(0L);
      this.firstCheckpoint = checkpoints;
      this.key =
          keys.k0().isPresent() ? EvolvingKey.fromInitial(keys.k0().get(), checkpoints) : null;
    }

    /** Takes the next frame; returns the problem it shows, or null. */
    String accept(LogFrames.Frame f, byte[] leafHash) {
      if (f.type() == LogFrames.RECORD) {
        if (unsigned != null) {
          if (signedSeen) {
            return notSigned(checkpoints - 1) + at(f);
          }
          unsignedBefore = checkpoints; // written before signing began: see finish()
          unsigned = null;
        }
        if (marker.isPresent()
            && pruneRecordAt < 0
            && f.payload() != null
            && states(marker.get(), f.payload())) {
          pruneRecordAt = tree.size();
        }
        tree.appendLeafHash(leafHash);
        return null;
      }
      if (f.type() == LogFrames.CHECKPOINT_SIGNATURE) {
        if (keys.publicKey().isEmpty()) {
          return null;
        }
        if (unsigned == null
            || !CheckpointSignatures.verify(unsigned, f.payload(), keys.publicKey().get())) {
          return "checkpoint #" + (checkpoints - 1) + " signature does not verify" + at(f);
        }
        unsigned = null;
        signedSeen = true;
        return null;
      }
      if (f.type() != LogFrames.CHECKPOINT) {
        return "unknown frame type " + f.type() + at(f);
      }
      if (unsigned != null) {
        if (signedSeen) {
          return notSigned(checkpoints - 1) + at(f);
        }
        unsignedBefore = checkpoints;
        unsigned = null;
      }
      Checkpoint c;
      try {
        c = CheckpointCodec.decode(f.payload());
      } catch (IllegalArgumentException e) {
        return "checkpoint #" + checkpoints + " is malformed" + at(f);
      }
      String name = "checkpoint #" + checkpoints + " (size " + c.treeSize() + ")";
      if (key != null && c.keyIndex() != key.index()) {
        return name
            + " claims key K_"
            + c.keyIndex()
            + " where K_"
            + key.index()
            + " is due"
            + " (a replaced, replayed or forged checkpoint)"
            + at(f);
      }
      if (key != null && !key.verify(c.macInput(), c.mac())) {
        return name
            + " MAC does not verify with K_"
            + key.index()
            + " (checkpoint altered or forged)"
            + at(f);
      }
      if (c.treeSize() != tree.size()) {
        return name
            + " covers "
            + c.treeSize()
            + " records but "
            + tree.size()
            + " precede it (records inserted or deleted since checkpoint #"
            + (checkpoints - 1)
            + ")"
            + at(f);
      }
      if (!MessageDigest.isEqual(c.root(), tree.root())) {
        long from = last == null ? tree.firstLeaf() : last.treeSize();
        return name
            + " root does not match records "
            + from
            + ".."
            + (c.treeSize() - 1)
            + " (a record among them was modified or reordered)"
            + at(f);
      }
      last = c;
      checkpoints++;
      if (key != null) {
        key.evolve();
      }
      if (keys.publicKey().isPresent()) {
        unsigned = c;
      }
      return null;
    }

    /** The checks that need the whole log: the last signature, the prune, the trusted head. */
    Optional<String> finish(java.util.List<String> notChecked) {
      if (unsigned != null) {
        return Optional.of(notSigned(checkpoints - 1));
      }
      if (unsignedBefore >= 0) {
        notChecked.add(
            "signatures of checkpoints #"
                + firstCheckpoint
                + "..#"
                + (unsignedBefore - 1)
                + " (written unsigned, before signing began; the signed checkpoint #"
                + unsignedBefore
                + " covers their records)");
      }
      if (marker.isPresent()
          && (pruneRecordAt < 0 || last == null || pruneRecordAt >= last.treeSize())) {
        PruneMarker m = marker.get();
        return Optional.of(
            PruneMarker.FILE
                + " says "
                + m.records()
                + " records and "
                + m.checkpoints()
                + " checkpoints were pruned, but no checkpointed LogPruned record of the log"
                + " states that prune (records deleted by hand?)");
      }
      if (keys.head().isEmpty()) {
        return Optional.empty();
      }
      Checkpoint head = keys.head().get();
      if (tree.size() < head.treeSize()) {
        return Optional.of(
            "log holds "
                + tree.size()
                + " records but the trusted head has "
                + head.treeSize()
                + " (truncated)");
      }
      if (head.treeSize() < tree.firstLeaf()) {
        return Optional.of(
            "the trusted head (size "
                + head.treeSize()
                + ") lies within the pruned records (the first kept is "
                + tree.firstLeaf()
                + "): give a newer head");
      }
      if (!MessageDigest.isEqual(tree.root(head.treeSize()), head.root())) {
        return Optional.of(
            "the first "
                + head.treeSize()
                + " records do not match the trusted head's root"
                + " (history rewritten)");
      }
      return Optional.empty();
    }

    Report report(Optional<String> problem, String tornTail, java.util.List<String> notChecked) {
      return new Report(
          tree.size(), checkpoints, problem, tornTail, java.util.List.copyOf(notChecked));
    }

    @Override
    public void close() {
      if (key != null) {
        key.close();
      }
    }
  }

  private static String notSigned(long checkpoint) {
    return "checkpoint #" + checkpoint + " is not signed";
  }

  /** Whether a record is the writer's LogPruned record stating exactly {@code marker}'s prune. */
  private static boolean states(PruneMarker marker, byte[] record) {
    return PruneRecord.parse(record).filter(r -> r.matches(marker)).isPresent();
  }

  /** Leaf hashes of a slice's records: computed here on the pool, or by the stream already. */
  private static byte[][] leafHashes(
      java.util.List<LogFrames.Frame> frames, java.util.concurrent.ForkJoinPool pool) {
    byte[][] hashes = new byte[frames.size()][];
    java.util.function.IntConsumer hash =
        i -> {
          LogFrames.Frame f = frames.get(i);
          if (f.type() == LogFrames.RECORD) {
            hashes[i] = f.leafHash() != null ? f.leafHash() : MerkleHashes.leaf(f.payload());
          }
        };
    java.util.stream.IntStream indexes = java.util.stream.IntStream.range(0, frames.size());
    if (pool == null) {
      indexes.forEach(hash);
    } else {
      pool.submit(() -> indexes.parallel().forEach(hash)).join();
    }
    return hashes;
  }

  private static String unreadable(Exception e) {
    return e instanceof IOException ? "cannot read log: " + e.getMessage() : e.getMessage();
  }

  private static String at(LogFrames.Frame f) {
    return " [segment " + f.segment() + " offset " + f.offset() + "]";
  }
}
