package dev.keychain.core.chain;

/** Length of agent sub keys: 128 bits as in seed 000, or 256 bits. */
public enum SubKeySize {
  BITS_128(16),
  BITS_256(32);

  private final int bytes;

  SubKeySize(int bytes) {
    this.bytes = bytes;
  }

  public int bytes() {
    return bytes;
  }

  public int bits() {
    return bytes * 8;
  }

  public static SubKeySize ofBits(int bits) {
    return switch (bits) {
      case 128 -> BITS_128;
      case 256 -> BITS_256;
      default ->
          throw new IllegalArgumentException("sub key size must be 128 or 256 bits, got " + bits);
    };
  }
}
