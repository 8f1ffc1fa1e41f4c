package dev.keychain.core.audit;

import dev.keychain.core.crypto.Encoder;
import java.util.HexFormat;

/**
 * A signed head of the log: tree size, Merkle root, the index of the key that MACed it, a timestamp
 * and the MAC. Text form (for the AuditLog status and the CLI): {@code
 * cp1.<size>.<root>.<keyIndex>.<millis>.<mac>}.
 */
public record Checkpoint(long treeSize, byte[] root, long keyIndex, long timestamp, byte[] mac) {
  private static final HexFormat HEX = HexFormat.of();

  public Checkpoint {
    if (treeSize < 0 || keyIndex < 0 || root.length != 32 || (mac != null && mac.length != 32)) {
      throw new IllegalArgumentException("malformed checkpoint");
    }
  }

  /** The bytes the MAC covers. */
  public byte[] macInput() {
    return Encoder.of("keychain.dev/v1/audit-checkpoint")
        .add(treeSize)
        .add(root)
        .add(keyIndex)
        .add(timestamp)
        .toByteArray();
  }

  public String toText() {
    return "cp1."
        + treeSize
        + "."
        + HEX.formatHex(root)
        + "."
        + keyIndex
        + "."
        + timestamp
        + "."
        + HEX.formatHex(mac);
  }

  public static Checkpoint parse(String text) {
    String[] p = text == null ? new String[0] : text.trim().split("\\.", -1);
    if (p.length != 6 || !p[0].equals("cp1")) {
      throw new IllegalArgumentException(
          "checkpoint must read cp1.<size>.<root>.<keyIndex>.<millis>.<mac>");
    }
    try {
      return new Checkpoint(
          Long.parseLong(p[1]),
          HEX.parseHex(p[2]),
          Long.parseLong(p[3]),
          Long.parseLong(p[4]),
          HEX.parseHex(p[5]));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("checkpoint has a malformed field: " + e.getMessage());
    }
  }

  public String rootHex() {
    return HEX.formatHex(root);
  }
}
