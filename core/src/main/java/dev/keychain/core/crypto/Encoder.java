package dev.keychain.core.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Unambiguous binary encoding of fields for MACs, signatures, HKDF info and AEAD associated data:
 * each field is a 4-byte big-endian length followed by its bytes, so no two different field lists
 * encode to the same bytes.
 */
public final class Encoder {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);

  public static Encoder of(String label) {
    return new Encoder().add(label);
  }

  public Encoder add(byte[] field) {
    int n = field.length;
    out.write(n >>> 24);
    out.write(n >>> 16);
    out.write(n >>> 8);
    out.write(n);
    out.writeBytes(field);
    return this;
  }

  public Encoder add(String field) {
    return add(field.getBytes(StandardCharsets.UTF_8));
  }

  public Encoder add(long field) {
    byte[] b = new byte[8];
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) field;
      field >>>= 8;
    }
    return add(b);
  }

  public byte[] toByteArray() {
    return out.toByteArray();
  }
}
