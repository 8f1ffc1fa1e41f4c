package dev.keychain.core.audit;

import java.nio.ByteBuffer;

/** Binary form of a checkpoint inside a frame: size, root, key index, time, MAC (88 bytes). */
final class CheckpointCodec {
  static final int SIZE = 8 + 32 + 8 + 8 + 32;

  private CheckpointCodec() {}

  static byte[] encode(Checkpoint c) {
    return ByteBuffer.allocate(SIZE)
        .putLong(c.treeSize())
        .put(c.root())
        .putLong(c.keyIndex())
        .putLong(c.timestamp())
        .put(c.mac())
        .array();
  }

  static Checkpoint decode(byte[] payload) {
    if (payload.length != SIZE) {
      throw new IllegalArgumentException("checkpoint frame must be " + SIZE + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(payload);
    long size = b.getLong();
    byte[] root = new byte[32];
    b.get(root);
    long index = b.getLong();
    long ts = b.getLong();
    byte[] mac = new byte[32];
    b.get(mac);
    return new Checkpoint(size, root, index, ts, mac);
  }
}
