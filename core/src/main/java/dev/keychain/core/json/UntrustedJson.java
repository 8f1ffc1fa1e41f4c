package dev.keychain.core.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses JSON that an attacker may have written (TUF metadata, cosign payloads, manifests) into a
 * tree, strictly: duplicate keys, trailing data and deep nesting are errors, and every accessor
 * names the document and the field path that is missing or of the wrong type.
 */
public final class UntrustedJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .build();

  static {
    MAPPER
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(32)
                .maxStringLength(16 * 1024 * 1024)
                .build());
  }

  private final String document;
  private final JsonNode root;

  private UntrustedJson(String document, JsonNode root) {
    this.document = document;
    this.root = root;
  }

  /** Parses {@code bytes}; {@code document} names it in errors (e.g. "targets.json"). */
  public static UntrustedJson parse(byte[] bytes, String document) throws MalformedJsonException {
    if (bytes == null || bytes.length == 0) {
      throw new MalformedJsonException(document + ": empty document");
    }
    try {
      JsonNode root = MAPPER.readTree(bytes);
      if (root == null || !root.isObject()) {
        throw new MalformedJsonException(document + ": not a JSON object");
      }
      return new UntrustedJson(document, root);
    } catch (JsonProcessingException e) {
      throw new MalformedJsonException(document + ": invalid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new MalformedJsonException(document + ": unreadable: " + e.getMessage());
    }
  }

  public JsonNode root() {
    return root;
  }

  public String document() {
    return document;
  }

  /** A required object member. */
  public JsonNode object(JsonNode parent, String field, String path) throws MalformedJsonException {
    JsonNode n = member(parent, field, path);
    if (!n.isObject()) {
      throw wrongType(path, field, "an object");
    }
    return n;
  }

  /** A required array member. */
  public JsonNode array(JsonNode parent, String field, String path) throws MalformedJsonException {
    JsonNode n = member(parent, field, path);
    if (!n.isArray()) {
      throw wrongType(path, field, "an array");
    }
    return n;
  }

  /** A required non-empty string member. */
  public String text(JsonNode parent, String field, String path) throws MalformedJsonException {
    JsonNode n = member(parent, field, path);
    if (!n.isTextual() || n.asText().isEmpty()) {
      throw wrongType(path, field, "a non-empty string");
    }
    return n.asText();
  }

  /** A required integer member within [min, max]. */
  public long integer(JsonNode parent, String field, String path, long min, long max)
      throws MalformedJsonException {
    JsonNode n = member(parent, field, path);
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw wrongType(path, field, "an integer");
    }
    long v = n.asLong();
    if (v < min || v > max) {
      throw new MalformedJsonException(
          document + ": " + at(path, field) + " = " + v + " is outside [" + min + ", " + max + "]");
    }
    return v;
  }

  /** A required array of non-empty strings. */
  public List<String> texts(JsonNode parent, String field, String path)
      throws MalformedJsonException {
    return texts(parent, field, path, false);
  }

  /** A required array of strings, empty strings allowed if {@code allowEmpty}. */
  public List<String> texts(JsonNode parent, String field, String path, boolean allowEmpty)
      throws MalformedJsonException {
    JsonNode a = array(parent, field, path);
    List<String> out = new ArrayList<>(a.size());
    for (JsonNode e : a) {
      if (!e.isTextual() || (!allowEmpty && e.asText().isEmpty())) {
        throw wrongType(path, field + "[]", allowEmpty ? "a string" : "a non-empty string");
      }
      out.add(e.asText());
    }
    return out;
  }

  /** An error naming this document and the path. */
  public MalformedJsonException error(String path, String problem) {
    return new MalformedJsonException(document + ": " + path + ": " + problem);
  }

  private JsonNode member(JsonNode parent, String field, String path)
      throws MalformedJsonException {
    JsonNode n = parent == null ? null : parent.get(field);
    if (n == null || n.isNull()) {
      throw new MalformedJsonException(document + ": " + at(path, field) + " is missing");
    }
    return n;
  }

  private MalformedJsonException wrongType(String path, String field, String expected) {
    return new MalformedJsonException(document + ": " + at(path, field) + " must be " + expected);
  }

  private static String at(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
