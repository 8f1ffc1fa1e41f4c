package dev.keychain.core.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What retention leaves of the pruned head of a log, in {@code pruned.bin}: how many records and
 * checkpoints were dropped, and the Merkle frontier of the dropped records (at most 64 hashes), so
 * that the roots of later checkpoints, which cover every record since the first, can still be
 * recomputed. The marker needs no MAC of its own: a forged frontier changes those roots, and the
 * next MACed checkpoint no longer verifies.
 */
record PruneMarker(long records, long checkpoints, List<MerkleTree.FrontierNode> frontier) {
  static final String FILE = "pruned.bin";

  static Optional<PruneMarker> read(Path dir) throws IOException {
    Path p = dir.resolve(FILE);
    if (!Files.exists(p)) {
      return Optional.empty();
    }
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p));
    try {
      long records = b.getLong();
      long checkpoints = b.getLong();
      int count = b.getInt();
      if (count < 0 || count > 64) {
        throw new AuditLogException(
            AuditLogException.Kind.CORRUPT, FILE + " has a bad frontier size");
      }
      List<MerkleTree.FrontierNode> nodes = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int level = b.get();
        long index = b.getLong();
        byte[] hash = new byte[32];
        b.get(hash);
        nodes.add(new MerkleTree.FrontierNode(level, index, hash));
      }
      return Optional.of(new PruneMarker(records, checkpoints, nodes));
    } catch (java.nio.BufferUnderflowException e) {
      throw new AuditLogException(AuditLogException.Kind.CORRUPT, FILE + " is truncated");
    }
  }

  /** Writes the marker atomically (temporary file, fsync, rename). */
  void write(Path dir) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8 + 8 + 4 + frontier.size() * (1 + 8 + 32));
    b.putLong(records).putLong(checkpoints).putInt(frontier.size());
    for (MerkleTree.FrontierNode n : frontier) {
      b.put((byte) n.level()).putLong(n.index()).put(n.hash());
    }
    Path tmp = dir.resolve(FILE + ".tmp");
    try (FileChannel c =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      b.flip();
      while (b.hasRemaining()) {
        c.write(b);
      }
      c.force(true);
    }
    Files.move(
        tmp,
        dir.resolve(FILE),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /** The tree to continue from: the frontier of the pruned records, or an empty tree. */
  static MerkleTree startTree(Optional<PruneMarker> marker) {
    return marker
        .map(m -> MerkleTree.fromFrontier(m.records(), m.frontier()))
        .orElseGet(MerkleTree::new);
  }
}
