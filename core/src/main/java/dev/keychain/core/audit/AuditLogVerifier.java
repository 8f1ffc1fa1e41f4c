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

  /** As {@link #verify(Path, Keys, int, Optional)}, resting as {@code pace} says. */
  public static Report verify(
      Path dir, Keys keys, int threads, Optional<LogEnd> end, VerificationPace pace) {
    LogFrames.Scan scan;
    try {
      scan = LogFrames.scan(dir, end.orElse(null), pace, threads <= 1);
    } catch (AuditLogException | IOException e) {
      return unreadable(e);
    }
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
    // After retention, verification starts at the first kept record with K_c, c = pruned
    // checkpoints.
    MerkleTree tree = PruneMarker.startTree(marker);
    long checkpoints = marker.map(PruneMarker::checkpoints).orElse(0L);
    Checkpoint last = null;
    Checkpoint unsigned = null; // a checkpoint whose signature is still to come
    // Checkpoints before the first signed one may be unsigned (written before signing began,
    // e.g. by an older release): the first signed root covers their records. From the first
    // signed one on, every checkpoint must be signed, and the last one always.
    boolean signedSeen = false;
    long unsignedBefore = -1;
    long firstCheckpoint = marker.map(PruneMarker::checkpoints).orElse(0L);
    long pruneRecordAt = -1; // leaf index of the LogPruned record that states the marker's prune
    byte[][] leafHashes = leafHashes(scan.frames(), threads, pace);
    EvolvingKey key =
        keys.k0().isPresent() ? EvolvingKey.fromInitial(keys.k0().get(), checkpoints) : null;
    try {
      for (int i = 0; i < scan.frames().size(); i++) {
        if (i % VerificationPace.SLICE_FRAMES == VerificationPace.SLICE_FRAMES - 1) {
          pace.breathe();
        }
        LogFrames.Frame f = scan.frames().get(i);
        if (f.type() == LogFrames.RECORD) {
          if (unsigned != null) {
            if (signedSeen) {
              return fail(tree, checkpoints, scan, notSigned(checkpoints - 1) + at(f), notChecked);
            }
            unsignedBefore = checkpoints; // written before signing began: see below
            unsigned = null;
          }
          if (marker.isPresent()
              && pruneRecordAt < 0
              && f.payload() != null
              && states(marker.get(), f.payload())) {
            pruneRecordAt = tree.size();
          }
          tree.appendLeafHash(leafHashes[i]);
          continue;
        }
        if (f.type() == LogFrames.CHECKPOINT_SIGNATURE) {
          if (keys.publicKey().isEmpty()) {
            continue;
          }
          if (unsigned == null
              || !CheckpointSignatures.verify(unsigned, f.payload(), keys.publicKey().get())) {
            return fail(
                tree,
                checkpoints,
                scan,
                "checkpoint #" + (checkpoints - 1) + " signature does not verify" + at(f),
                notChecked);
          }
          unsigned = null;
          signedSeen = true;
          continue;
        }
        if (f.type() != LogFrames.CHECKPOINT) {
          return fail(
              tree, checkpoints, scan, "unknown frame type " + f.type() + at(f), notChecked);
        }
        if (unsigned != null) {
          if (signedSeen) {
            return fail(tree, checkpoints, scan, notSigned(checkpoints - 1) + at(f), notChecked);
          }
          unsignedBefore = checkpoints;
          unsigned = null;
        }
        Checkpoint c;
        try {
          c = CheckpointCodec.decode(f.payload());
        } catch (IllegalArgumentException e) {
          return fail(
              tree,
              checkpoints,
              scan,
              "checkpoint #" + checkpoints + " is malformed" + at(f),
              notChecked);
        }
        String name = "checkpoint #" + checkpoints + " (size " + c.treeSize() + ")";
        if (key != null && c.keyIndex() != key.index()) {
          return fail(
              tree,
              checkpoints,
              scan,
              name
                  + " claims key K_"
                  + c.keyIndex()
                  + " where K_"
                  + key.index()
                  + " is due"
                  + " (a replaced, replayed or forged checkpoint)"
                  + at(f),
              notChecked);
        }
        if (key != null && !key.verify(c.macInput(), c.mac())) {
          return fail(
              tree,
              checkpoints,
              scan,
              name
                  + " MAC does not verify with K_"
                  + key.index()
                  + " (checkpoint altered or forged)"
                  + at(f),
              notChecked);
        }
        if (c.treeSize() != tree.size()) {
          return fail(
              tree,
              checkpoints,
              scan,
              name
                  + " covers "
                  + c.treeSize()
                  + " records but "
                  + tree.size()
                  + " precede it (records inserted or deleted since checkpoint #"
                  + (checkpoints - 1)
                  + ")"
                  + at(f),
              notChecked);
        }
        if (!MessageDigest.isEqual(c.root(), tree.root())) {
          long from = last == null ? tree.firstLeaf() : last.treeSize();
          return fail(
              tree,
              checkpoints,
              scan,
              name
                  + " root does not match records "
                  + from
                  + ".."
                  + (c.treeSize() - 1)
                  + " (a record among them was modified or reordered)"
                  + at(f),
              notChecked);
        }
        last = c;
        checkpoints++;
        if (key != null) {
          key.evolve();
        }
        if (keys.publicKey().isPresent()) {
          unsigned = c;
        }
      }
    } finally {
      if (key != null) {
        key.close();
      }
    }
    if (unsigned != null) {
      return fail(tree, checkpoints, scan, notSigned(checkpoints - 1), notChecked);
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
      return fail(
          tree,
          checkpoints,
          scan,
          PruneMarker.FILE
              + " says "
              + m.records()
              + " records and "
              + m.checkpoints()
              + " checkpoints were pruned, but no checkpointed LogPruned record of the log states"
              + " that prune (records deleted by hand?)",
          notChecked);
    }
    if (keys.head().isPresent()) {
      Checkpoint head = keys.head().get();
      if (tree.size() < head.treeSize()) {
        return fail(
            tree,
            checkpoints,
            scan,
            "log holds "
                + tree.size()
                + " records but the trusted head has "
                + head.treeSize()
                + " (truncated)",
            notChecked);
      }
      if (head.treeSize() < tree.firstLeaf()) {
        return fail(
            tree,
            checkpoints,
            scan,
            "the trusted head (size "
                + head.treeSize()
                + ") lies within the pruned records (the first kept is "
                + tree.firstLeaf()
                + "): give a newer head",
            notChecked);
      }
      if (!MessageDigest.isEqual(tree.root(head.treeSize()), head.root())) {
        return fail(
            tree,
            checkpoints,
            scan,
            "the first "
                + head.treeSize()
                + " records do not match the trusted head's root"
                + " (history rewritten)",
            notChecked);
      }
    }
    return new Report(
        tree.size(),
        checkpoints,
        Optional.empty(),
        scan.tornTail(),
        java.util.List.copyOf(notChecked));
  }

  private static String notSigned(long checkpoint) {
    return "checkpoint #" + checkpoint + " is not signed";
  }

  /** Whether a record is the writer's LogPruned record stating exactly {@code marker}'s prune. */
  private static boolean states(PruneMarker marker, byte[] record) {
    return PruneRecord.parse(record).filter(r -> r.matches(marker)).isPresent();
  }

  private static byte[][] leafHashes(
      java.util.List<LogFrames.Frame> frames, int threads, VerificationPace pace) {
    byte[][] hashes = new byte[frames.size()][];
    java.util.stream.IntStream indexes = java.util.stream.IntStream.range(0, frames.size());
    java.util.function.IntConsumer hash =
        i -> {
          LogFrames.Frame f = frames.get(i);
          if (f.type() == LogFrames.RECORD) {
            hashes[i] = f.leafHash() != null ? f.leafHash() : MerkleHashes.leaf(f.payload());
          }
        };
    if (threads <= 1) {
      indexes.forEach(
          i -> {
            hash.accept(i);
            if (i % VerificationPace.SLICE_FRAMES == VerificationPace.SLICE_FRAMES - 1) {
              pace.breathe();
            }
          });
      return hashes;
    }
    java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(threads);
    try {
      pool.submit(() -> indexes.parallel().forEach(hash)).join();
    } finally {
      pool.shutdown();
    }
    return hashes;
  }

  private static Report unreadable(Exception e) {
    String why = e instanceof IOException ? "cannot read log: " + e.getMessage() : e.getMessage();
    return new Report(0, 0, Optional.of(why), null);
  }

  private static String at(LogFrames.Frame f) {
    return " [segment " + f.segment() + " offset " + f.offset() + "]";
  }

  private static Report fail(
      MerkleTree tree,
      long checkpoints,
      LogFrames.Scan scan,
      String why,
      java.util.List<String> notChecked) {
    return new Report(
        tree.size(),
        checkpoints,
        Optional.of(why),
        scan.tornTail(),
        java.util.List.copyOf(notChecked));
  }
}
