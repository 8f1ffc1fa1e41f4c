package dev.keychain.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.crypto.Hashes;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where the admission of a pod is recorded: the audit log ({@code namespace/name}), the record's
 * index in it, and the decision ID, the SHA-256 of the record as written (so the receipt names one
 * record, whatever index it claims). Admitted pods carry a list of them (one per AuditLog that
 * records admissions) in annotation {@value #ANNOTATION}; {@code audit-verify --receipt} checks one
 * against a copy of the log and a trusted head, with an inclusion proof.
 */
public record AdmissionReceipt(String log, long index, String decision, String pod, String uid) {
  public static final String ANNOTATION = "keychain.dev/admission-receipt";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_TEXT = 64 * 1024;

  /** The decision ID of {@code record}: its SHA-256, hex. */
  public static String decisionOf(byte[] record) {
    return HexFormat.of().formatHex(Hashes.sha256(record));
  }

  ObjectNode toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("log", log);
    n.put("index", index);
    n.put("decision", decision);
    n.put("pod", pod);
    n.put("uid", uid);
    return n;
  }

  /** The annotation's value for {@code receipts}. */
  public static String annotation(List<AdmissionReceipt> receipts) {
    ArrayNode a = JSON.createArrayNode();
    receipts.forEach(r -> a.add(r.toJson()));
    return a.toString();
  }

  /**
   * The receipts of an annotation value: a JSON array of receipts, or one receipt object.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static List<AdmissionReceipt> parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("receipt is empty");
    }
    if (text.length() > MAX_TEXT) {
      throw new IllegalArgumentException("receipt is larger than " + MAX_TEXT + " characters");
    }
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("receipt is not JSON");
    }
    List<AdmissionReceipt> receipts = new ArrayList<>();
    if (root != null && root.isArray()) {
      for (int i = 0; i < root.size(); i++) {
        receipts.add(one(root.get(i), "receipt " + i));
      }
    } else {
      receipts.add(one(root, "receipt"));
    }
    if (receipts.isEmpty()) {
      throw new IllegalArgumentException("receipt list is empty");
    }
    return receipts;
  }

  private static AdmissionReceipt one(JsonNode n, String what) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException(what + " is not an object");
    }
    JsonNode index = n.get("index");
    if (index == null
        || !index.canConvertToLong()
        || !index.isIntegralNumber()
        || index.asLong() < 0) {
      throw new IllegalArgumentException(what + ": 'index' is not a record index (integer >= 0)");
    }
    String decision = text(n, "decision", what);
    if (!HEX64.matcher(decision).matches()) {
      throw new IllegalArgumentException(
          what + ": 'decision' is not a SHA-256 in lowercase hex (64 digits)");
    }
    return new AdmissionReceipt(
        text(n, "log", what), index.asLong(), decision, text(n, "pod", what), text(n, "uid", what));
  }

  private static String text(JsonNode n, String field, String what) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new IllegalArgumentException(what + ": '" + field + "' is missing or not a string");
    }
    return v.asText();
  }
}
