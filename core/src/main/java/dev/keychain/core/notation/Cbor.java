package dev.keychain.core.notation;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict CBOR (RFC 8949) decoder for COSE envelopes an attacker may have written: definite
 * lengths only, nesting and item counts bounded, lengths checked against what is left, no duplicate
 * map keys, valid UTF-8, and nothing after the item. Values decode to Long (or BigInteger), byte[],
 * String, List, Map (insertion order), Tagged, Boolean and null; COSE headers of Notary Project
 * signatures have no floats, so none are accepted. Also encodes the few shapes COSE's Sig_structure
 * needs.
 */
final class Cbor {
  static final int MAX_DEPTH = 8;
  static final int MAX_ITEMS = 4096;

  /** A tagged value. */
  record Tagged(long tag, Object value) {}

  /** Input that is not the CBOR expected; the message says where. */
  static final class CborException extends Exception {
    CborException(String message) {
      super(message);
    }
  }

  private final byte[] in;
  private int pos;
  private int items;

  private Cbor(byte[] in) {
    this.in = in;
  }

  /** Decodes one item that spans all of {@code bytes}. */
  static Object decode(byte[] bytes) throws CborException {
    Cbor c = new Cbor(bytes);
    Object v = c.item(0);
    if (c.pos != bytes.length) {
      throw new CborException((bytes.length - c.pos) + " bytes after the CBOR item");
    }
    return v;
  }

  private Object item(int depth) throws CborException {
    if (depth > MAX_DEPTH) {
      throw new CborException("nested deeper than " + MAX_DEPTH);
    }
    if (++items > MAX_ITEMS) {
      throw new CborException("more than " + MAX_ITEMS + " items");
    }
    int initial = next();
    int major = initial >>> 5;
    int info = initial & 0x1f;
    if (major == 7) {
      return simple(info);
    }
    if (info == 31) {
      throw new CborException("indefinite length at byte " + (pos - 1) + " is not accepted");
    }
    BigInteger arg = argument(info);
    switch (major) {
      case 0:
        return number(arg);
      case 1:
        return number(BigInteger.valueOf(-1).subtract(arg));
      case 2:
        return bytes(length(arg));
      case 3:
        return text(bytes(length(arg)));
      case 4:
        {
          int n = count(arg);
          List<Object> list = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            list.add(item(depth + 1));
          }
          return list;
        }
      case 5:
        {
          int n = count(arg);
          Map<Object, Object> map = new LinkedHashMap<>();
          for (int i = 0; i < n; i++) {
            Object key = item(depth + 1);
            if (key instanceof byte[] || key instanceof List || key instanceof Map) {
              throw new CborException("map key of type " + typeName(key) + " is not accepted");
            }
            if (map.containsKey(key)) {
              throw new CborException("duplicate map key " + key);
            }
            map.put(key, item(depth + 1));
          }
          return map;
        }
      default:
        if (arg.bitLength() >= 64) {
          throw new CborException("tag number " + arg + " is out of range");
        }
        return new Tagged(arg.longValue(), item(depth + 1));
    }
  }

  private Object simple(int info) throws CborException {
    return switch (info) {
      case 20 -> Boolean.FALSE;
      case 21 -> Boolean.TRUE;
      case 22, 23 -> null;
      case 25, 26, 27 -> throw new CborException("floating-point values are not accepted");
      default -> throw new CborException("simple value " + info + " is not accepted");
    };
  }

  private BigInteger argument(int info) throws CborException {
    if (info < 24) {
      return BigInteger.valueOf(info);
    }
    int n =
        switch (info) {
          case 24 -> 1;
          case 25 -> 2;
          case 26 -> 4;
          case 27 -> 8;
          default -> throw new CborException("reserved additional info " + info);
        };
    byte[] b = take(n);
    return new BigInteger(1, b);
  }

  private static Object number(BigInteger v) {
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  private int length(BigInteger arg) throws CborException {
    if (arg.compareTo(BigInteger.valueOf(in.length - pos)) > 0) {
      throw new CborException(
          "length " + arg + " exceeds the " + (in.length - pos) + " bytes left");
    }
    return arg.intValue();
  }

  private int count(BigInteger arg) throws CborException {
    // each element takes at least one byte
    int n = length(arg);
    if (n > MAX_ITEMS) {
      throw new CborException("more than " + MAX_ITEMS + " items");
    }
    return n;
  }

  private byte[] bytes(int n) throws CborException {
    return take(n);
  }

  private static String text(byte[] b) throws CborException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw new CborException("text string is not valid UTF-8");
    }
  }

  private int next() throws CborException {
    if (pos >= in.length) {
      throw new CborException("truncated at byte " + pos);
    }
    return in[pos++] & 0xff;
  }

  private byte[] take(int n) throws CborException {
    if (n > in.length - pos) {
      throw new CborException("truncated at byte " + pos);
    }
    byte[] out = new byte[n];
    System.arraycopy(in, pos, out, 0, n);
    pos += n;
    return out;
  }

  static String typeName(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof byte[]) {
      return "byte string";
    }
    if (v instanceof String) {
      return "text string";
    }
    if (v instanceof Long || v instanceof BigInteger) {
      return "integer";
    }
    if (v instanceof List) {
      return "array";
    }
    if (v instanceof Map) {
      return "map";
    }
    if (v instanceof Tagged t) {
      return "tag " + t.tag();
    }
    return v.getClass().getSimpleName();
  }

  /** Encodes an array of text and byte strings (COSE's Sig_structure). */
  static byte[] encodeArray(Object... elements) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    head(out, 4, elements.length);
    for (Object e : elements) {
      if (e instanceof String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        head(out, 3, b.length);
        out.writeBytes(b);
      } else {
        byte[] b = (byte[]) e;
        head(out, 2, b.length);
        out.writeBytes(b);
      }
    }
    return out.toByteArray();
  }

  private static void head(ByteArrayOutputStream out, int major, long n) {
    int m = major << 5;
    if (n < 24) {
      out.write(m | (int) n);
    } else if (n < 0x100) {
      out.write(m | 24);
      out.write((int) n);
    } else if (n < 0x10000) {
      out.write(m | 25);
      out.write((int) (n >>> 8));
      out.write((int) n);
    } else {
      out.write(m | 26);
      for (int s = 24; s >= 0; s -= 8) {
        out.write((int) (n >>> s));
      }
    }
  }
}
