package dev.keychain.core.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One security-relevant event, as a log record: canonical JSON (keys sorted, no whitespace), so the
 * same event always hashes the same. Carries key IDs and epochs, never keys.
 */
public record AuditEvent(
    AuditEventType type,
    Instant time,
    String namespace,
    String kind,
    String name,
    String reason,
    String message,
    Map<String, String> attributes) {

  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  public AuditEvent {
    java.util.Objects.requireNonNull(type, "type");
    attributes = attributes == null ? Map.of() : new TreeMap<>(attributes);
  }

  /**
   * Reads an event back from its canonical JSON (as peers forward it); names the field that is
   * missing or malformed.
   */
  public static AuditEvent fromJson(com.fasterxml.jackson.databind.JsonNode json) {
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("audit event is not a JSON object");
    }
    String[] text = new String[7];
    String[] names = {"type", "time", "namespace", "kind", "name", "reason", "message"};
    for (int i = 0; i < names.length; i++) {
      var field = json.get(names[i]);
      if (field == null || !field.isTextual()) {
        throw new IllegalArgumentException(
            "audit event field '" + names[i] + "' is missing or not a string");
      }
      text[i] = field.asText();
    }
    Instant time;
    try {
      time = Instant.parse(text[1]);
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("audit event field 'time' is not an ISO-8601 instant");
    }
    Map<String, String> attributes = new TreeMap<>();
    var attrs = json.get("attributes");
    if (attrs != null && !attrs.isNull()) {
      if (!attrs.isObject()) {
        throw new IllegalArgumentException("audit event field 'attributes' is not an object");
      }
      for (var it = attrs.fields(); it.hasNext(); ) {
        var e = it.next();
        if (!e.getValue().isTextual()) {
          throw new IllegalArgumentException(
              "audit event attribute '" + e.getKey() + "' is not a string");
        }
        attributes.put(e.getKey(), e.getValue().asText());
      }
    }
    return new AuditEvent(
        AuditEventType.fromWireName(text[0]),
        time,
        text[2],
        text[3],
        text[4],
        text[5],
        text[6],
        attributes);
  }

  public byte[] canonicalJson() {
    Map<String, Object> fields = new TreeMap<>();
    fields.put("type", type.wireName());
    fields.put("time", time.toString());
    fields.put("namespace", namespace);
    fields.put("kind", kind);
    fields.put("name", name);
    fields.put("reason", reason);
    fields.put("message", message);
    fields.put("attributes", attributes);
    try {
      return CANONICAL.writeValueAsString(fields).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise audit event", e);
    }
  }
}
