package dev.keychain.core.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Verifies a copied log with K_0: every checkpoint must come in key order, cover exactly the
 * records before it, carry their Merkle root, and be MACed with its K_i. Detects the attack classes
 * of seed 003's Table 2: a modified or reordered record (root mismatch at the next checkpoint), an
 * inserted or deleted record (size mismatch), a replaced or forged checkpoint, or one MACed with a
 * reused or future key (MAC or key-order mismatch), and truncation against a trusted head (e.g. the
 * last checkpoint in the AuditLog status).
 */
public final class AuditLogVerifier {
  private AuditLogVerifier() {}

  /** The outcome: counts, and the first problem in words (empty when the log verifies). */
  public record Report(long records, long checkpoints, Optional<String> problem, String tornTail) {
    public boolean ok() {
      return problem.isEmpty();
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
    LogFrames.Scan scan;
    try {
      scan = LogFrames.scan(dir);
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
    // After retention, verification starts at the first kept record with K_c, c = pruned
    // checkpoints.
    MerkleTree tree = PruneMarker.startTree(marker);
    long checkpoints = marker.map(PruneMarker::checkpoints).orElse(0L);
    Checkpoint last = null;
    byte[][] leafHashes = leafHashes(scan.frames(), threads);
    try (EvolvingKey key = EvolvingKey.fromInitial(k0, checkpoints)) {
      for (int i = 0; i < scan.frames().size(); i++) {
        LogFrames.Frame f = scan.frames().get(i);
        if (f.type() == LogFrames.RECORD) {
          tree.appendLeafHash(leafHashes[i]);
          continue;
        }
        if (f.type() == LogFrames.CHECKPOINT_SIGNATURE) {
          continue; // checked by verifyOffline
        }
        if (f.type() != LogFrames.CHECKPOINT) {
          return fail(tree, checkpoints, scan, "unknown frame type " + f.type() + at(f));
        }
        Checkpoint c;
        try {
          c = CheckpointCodec.decode(f.payload());
        } catch (IllegalArgumentException e) {
          return fail(
              tree, checkpoints, scan, "checkpoint #" + checkpoints + " is malformed" + at(f));
        }
        String name = "checkpoint #" + checkpoints + " (size " + c.treeSize() + ")";
        if (c.keyIndex() != key.index()) {
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
                  + at(f));
        }
        if (!key.verify(c.macInput(), c.mac())) {
          return fail(
              tree,
              checkpoints,
              scan,
              name
                  + " MAC does not verify with K_"
                  + key.index()
                  + " (checkpoint altered or forged)"
                  + at(f));
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
                  + at(f));
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
                  + at(f));
        }
        last = c;
        checkpoints++;
        key.evolve();
      }
    }
    if (trustedHead.isPresent()) {
      Checkpoint head = trustedHead.get();
      if (tree.size() < head.treeSize()) {
        return fail(
            tree,
            checkpoints,
            scan,
            "log holds "
                + tree.size()
                + " records but the trusted head has "
                + head.treeSize()
                + " (truncated)");
      }
      if (!MessageDigest.isEqual(tree.root(head.treeSize()), head.root())) {
        return fail(
            tree,
            checkpoints,
            scan,
            "the first "
                + head.treeSize()
                + " records do not match the trusted head's root"
                + " (history rewritten)");
      }
    }
    return new Report(tree.size(), checkpoints, Optional.empty(), scan.tornTail());
  }

  /**
   * Offline verification with the Ed25519 public key only: every checkpoint must be signed, cover
   * exactly the records before it and carry their root. MACs are not checked (that needs K_0).
   */
  public static Report verifyOffline(Path dir, byte[] publicKey, Optional<Checkpoint> trustedHead) {
    LogFrames.Scan scan;
    try {
      scan = LogFrames.scan(dir);
    } catch (AuditLogException | IOException e) {
      return unreadable(e);
    }
    MerkleTree tree = new MerkleTree();
    long checkpoints = 0;
    Checkpoint pending = null;
    for (LogFrames.Frame f : scan.frames()) {
      if (f.type() == LogFrames.RECORD) {
        if (pending != null) {
          return fail(
              tree, checkpoints, scan, "checkpoint #" + checkpoints + " is not signed" + at(f));
        }
        tree.appendLeafHash(MerkleHashes.leaf(f.payload()));
      } else if (f.type() == LogFrames.CHECKPOINT) {
        if (pending != null) {
          return fail(
              tree, checkpoints, scan, "checkpoint #" + checkpoints + " is not signed" + at(f));
        }
        pending = CheckpointCodec.decode(f.payload());
        String name = "checkpoint #" + checkpoints + " (size " + pending.treeSize() + ")";
        if (pending.treeSize() != tree.size()
            || !MessageDigest.isEqual(pending.root(), tree.root())) {
          return fail(
              tree, checkpoints, scan, name + " does not match the records before it" + at(f));
        }
      } else if (f.type() == LogFrames.CHECKPOINT_SIGNATURE) {
        if (pending == null || !CheckpointSignatures.verify(pending, f.payload(), publicKey)) {
          return fail(
              tree,
              checkpoints,
              scan,
              "checkpoint #" + checkpoints + " signature does not verify" + at(f));
        }
        pending = null;
        checkpoints++;
      }
    }
    if (pending != null) {
      return fail(tree, checkpoints, scan, "checkpoint #" + checkpoints + " is not signed");
    }
    if (trustedHead.isPresent()
        && (tree.size() < trustedHead.get().treeSize()
            || !MessageDigest.isEqual(
                tree.root(trustedHead.get().treeSize()), trustedHead.get().root()))) {
      return fail(
          tree,
          checkpoints,
          scan,
          "log does not contain the trusted head (truncated or rewritten)");
    }
    return new Report(tree.size(), checkpoints, Optional.empty(), scan.tornTail());
  }

  private static byte[][] leafHashes(java.util.List<LogFrames.Frame> frames, int threads) {
    byte[][] hashes = new byte[frames.size()][];
    java.util.stream.IntStream indexes = java.util.stream.IntStream.range(0, frames.size());
    java.util.function.IntConsumer hash =
        i -> {
          if (frames.get(i).type() == LogFrames.RECORD) {
            hashes[i] = MerkleHashes.leaf(frames.get(i).payload());
          }
        };
    if (threads <= 1) {
      indexes.forEach(hash);
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

  private static Report fail(MerkleTree tree, long checkpoints, LogFrames.Scan scan, String why) {
    return new Report(tree.size(), checkpoints, Optional.of(why), scan.tornTail());
  }
}
