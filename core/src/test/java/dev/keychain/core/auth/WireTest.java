package dev.keychain.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Strict parsing of untrusted handshake messages: every defect is named. */
class WireTest {
  private static final String KEY = Wire.b64(new byte[32]);
  private static final String GOOD =
      "{\"v\":1,\"token\":\"t\",\"ephemeralKey\":\""
          + KEY
          + "\",\"nonce\":\""
          + KEY
          + "\",\"timestamp\":1}";

  private static String malformed(String json) {
    AuthFailure e =
        assertThrows(AuthFailure.class, () -> Wire.parse(json, Messages.AgentHello.class));
    assertEquals(AuthFailure.Reason.MALFORMED, e.reason());
    return e.getMessage();
  }

  @Test
  void refusalBeforeAnySessionRoundTripsWithoutSessionOrMac() throws AuthFailure {
    Messages.Refusal refusal =
        new Messages.Refusal(Messages.VERSION, null, "MALFORMED", "AgentHello: bad", null);
    Messages.Refusal parsed = Wire.parse(Wire.toJson(refusal), Messages.Refusal.class);
    assertEquals(null, parsed.sessionId());
    assertEquals(null, parsed.mac());
    assertEquals("MALFORMED", parsed.reason());
  }

  @Test
  void acceptsAWellFormedHello() throws Exception {
    assertEquals("t", Wire.parse(GOOD, Messages.AgentHello.class).token());
  }

  @Test
  void rejectsUnknownFields() {
    String m = malformed(GOOD.replace("}", ",\"admin\":true}"));
    assertTrue(m.contains("admin"), m);
  }

  @Test
  void rejectsMissingFields() {
    String m = malformed("{\"v\":1,\"token\":\"t\",\"nonce\":\"" + KEY + "\",\"timestamp\":1}");
    assertTrue(m.contains("ephemeralKey"), m);
  }

  @Test
  void rejectsWrongLengths() {
    String m = malformed(GOOD.replace("\"ephemeralKey\":\"" + KEY, "\"ephemeralKey\":\"AAAA"));
    assertTrue(m.contains("ephemeralKey must be 32 bytes, is 3"), m);
  }

  @Test
  void rejectsNonBase64() {
    String m = malformed(GOOD.replace("\"nonce\":\"" + KEY, "\"nonce\":\"%%%"));
    assertTrue(m.contains("nonce is not base64url"), m);
  }

  @Test
  void rejectsOtherProtocolVersions() {
    String m = malformed(GOOD.replace("\"v\":1", "\"v\":2"));
    assertTrue(m.contains("unsupported protocol version 2"), m);
  }

  @Test
  void rejectsTrailingDataDuplicatesAndNulls() {
    malformed(GOOD + "{}");
    malformed(GOOD.replace("\"token\":\"t\"", "\"token\":null"));
    malformed("[1,2]");
    malformed("");
    malformed("{\"v\":1.5}");
  }

  @Test
  void rejectsOversizedMessages() {
    String m = malformed("{\"token\":\"" + "x".repeat(Wire.MAX_MESSAGE_BYTES) + "\"}");
    assertTrue(m.contains("exceeds"), m);
  }

  @Test
  void errorMessagesDoNotEchoTheToken() {
    String secretToken = "eyJhbGciOiJ.SECRET-TOKEN-MATERIAL.sig";
    String m =
        malformed(
            GOOD.replace("\"token\":\"t\"", "\"token\":\"" + secretToken + "\"")
                .replace("\"v\":1", "\"v\":3"));
    assertTrue(!m.contains("SECRET-TOKEN-MATERIAL"), m);
  }
}
