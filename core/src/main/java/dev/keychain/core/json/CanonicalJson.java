package dev.keychain.core.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The canonical JSON that Notary (docker/go/canonical/json) signs: object members sorted by key, no
 * insignificant whitespace, only {@code "} and {@code \\} escaped in strings. TUF signatures cover
 * these bytes of the {@code signed} object, not the bytes as served.
 */
public final class CanonicalJson {
  private CanonicalJson() {}

  public static byte[] encode(JsonNode node) throws MalformedJsonException {
    StringBuilder out = new StringBuilder(256);
    write(node, out);
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void write(JsonNode node, StringBuilder out) throws MalformedJsonException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<String> keys = new ArrayList<>(node.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          keys.add(it.next().getKey());
        }
        // Go sorts map keys by their UTF-8 bytes; for the BMP without surrogates that equals
        // UTF-16 order, and outside it we compare code points.
        keys.sort(CanonicalJson::compareCodePoints);
        out.append('{');
        boolean first = true;
        for (String k : keys) {
          if (!first) {
            out.append(',');
          }
          first = false;
          string(k, out);
          out.append(':');
          write(node.get(k), out);
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(node.get(i), out);
        }
        out.append(']');
      }
      case STRING -> string(node.asText(), out);
      case NUMBER -> {
        if (!node.isIntegralNumber()) {
          throw new MalformedJsonException("canonical JSON admits integers only, found " + node);
        }
        out.append(node.bigIntegerValue());
      }
      case BOOLEAN -> out.append(node.asBoolean());
      case NULL -> out.append("null");
      default -> throw new MalformedJsonException("unsupported JSON value " + node.getNodeType());
    }
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  // docker/go's canonical mode escapes only '"' and '\\' (OLPC canonical JSON); every other
  // character, control characters included, is written as it is.
  private static void string(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    out.append('"');
  }
}
