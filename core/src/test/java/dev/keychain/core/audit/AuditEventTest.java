package dev.keychain.core.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditEventTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AuditEvent EVENT =
      new AuditEvent(
          AuditEventType.ADMISSION_DENIED,
          Instant.parse("2026-11-23T10:15:30.123Z"),
          "team-a",
          "Pod",
          "web-0",
          "NotSigned",
          "no signature by a whitelisted key",
          Map.of("images", "r/app:1", "operation", "CREATE"));

  @Test
  void readsBackTheSameCanonicalRecord() throws Exception {
    AuditEvent back = AuditEvent.fromJson(JSON.readTree(EVENT.canonicalJson()));
    assertEquals(EVENT, back);
    assertArrayEquals(EVENT.canonicalJson(), back.canonicalJson());
  }

  @Test
  void refusesMalformedEventsNamingTheField() throws Exception {
    ObjectNode missing = (ObjectNode) JSON.readTree(EVENT.canonicalJson());
    missing.remove("namespace");
    assertEquals(
        "audit event field 'namespace' is missing or not a string",
        assertThrows(IllegalArgumentException.class, () -> AuditEvent.fromJson(missing))
            .getMessage());

    ObjectNode badTime = (ObjectNode) JSON.readTree(EVENT.canonicalJson());
    badTime.put("time", "yesterday");
    assertEquals(
        "audit event field 'time' is not an ISO-8601 instant",
        assertThrows(IllegalArgumentException.class, () -> AuditEvent.fromJson(badTime))
            .getMessage());

    ObjectNode badAttribute = (ObjectNode) JSON.readTree(EVENT.canonicalJson());
    ((ObjectNode) badAttribute.get("attributes")).put("images", 7);
    assertEquals(
        "audit event attribute 'images' is not a string",
        assertThrows(IllegalArgumentException.class, () -> AuditEvent.fromJson(badAttribute))
            .getMessage());

    ObjectNode unknown = (ObjectNode) JSON.readTree(EVENT.canonicalJson());
    unknown.put("type", "KeyStolen");
    assertEquals(
        "unknown audit event type KeyStolen",
        assertThrows(IllegalArgumentException.class, () -> AuditEvent.fromJson(unknown))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> AuditEvent.fromJson(JSON.readTree("[]")));
  }
}
