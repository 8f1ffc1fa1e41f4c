package dev.keychain.operator.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keychain.operator.webhook.JsonEndpoint;
import org.junit.jupiter.api.Test;

/**
 * Malformed forwarded batches are refused whole, naming what is wrong, before any token review or
 * record (the collaborators are absent: reaching them would fail the test).
 */
class AuditIngestEndpointTest {
  private final AuditIngestEndpoint endpoint =
      new AuditIngestEndpoint(null, null, null, "keychain-system", "keychain-operator");

  private static final String EVENT =
      "{\"type\":\"AdmissionDenied\",\"time\":\"2026-11-23T10:00:00Z\",\"namespace\":\"a\","
          + "\"kind\":\"Pod\",\"name\":\"p\",\"reason\":\"NotSigned\",\"message\":\"m\","
          + "\"attributes\":{}}";

  private void assertRefused(String body, String error) {
    JsonEndpoint.Reply reply = endpoint.ingest(body);
    assertEquals(400, reply.status(), reply.body());
    assertEquals("{\"error\":\"" + error + "\"}", reply.body());
  }

  @Test
  void refusesMalformedBatchesNamingTheProblem() {
    assertRefused("not json", "request body is not JSON");
    assertRefused("{\"events\":[]}", "request has no 'token' string");
    assertRefused("{\"token\":\"t\"}", "request has no 'events' array");
    assertRefused(
        "{\"token\":\"t\",\"events\":[" + EVENT + ",{\"type\":\"AdmissionDenied\"}]}",
        "event 1: audit event field 'time' is missing or not a string");
    assertRefused(
        "{\"token\":\"t\",\"events\":[" + EVENT.replace("AdmissionDenied", "Nope") + "]}",
        "event 0: unknown audit event type Nope");
  }
}
