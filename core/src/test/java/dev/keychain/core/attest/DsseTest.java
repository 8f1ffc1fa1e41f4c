package dev.keychain.core.attest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keychain.core.json.MalformedJsonException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DsseTest {
  @Test
  void preAuthenticationEncodingMatchesTheSpecVector() {
    // DSSE v1 protocol.md: PAE("http://example.com/HelloWorld", "hello world")
    assertEquals(
        "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
        new String(
            Dsse.pae(
                "http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8)),
            StandardCharsets.UTF_8));
  }

  @Test
  void lengthsCountBytesNotCharacters() {
    assertEquals(
        "DSSEv1 3 t\u00e9 2 \u00e9",
        new String(
            Dsse.pae("t\u00e9", "\u00e9".getBytes(StandardCharsets.UTF_8)),
            StandardCharsets.UTF_8));
  }

  @Test
  void parsesWhatItEncodes() throws Exception {
    byte[] payload = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    Dsse.Envelope e = Dsse.parse(Dsse.encode(Dsse.IN_TOTO, payload, new byte[] {1, 2, 3}), "env");
    assertEquals(Dsse.IN_TOTO, e.payloadType());
    assertArrayEquals(payload, e.payload());
    assertArrayEquals(new byte[] {1, 2, 3}, e.signatures().get(0));
    assertArrayEquals(Dsse.pae(Dsse.IN_TOTO, payload), e.signedBytes());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{}|env: payloadType",
        "{'payloadType':'t','payload':'e30=','signatures':[]}|env: signatures: is empty",
        "{'payloadType':'t','payload':'@@','signatures':[{'sig':'AA=='}]}|env: payload: is not base64",
        "{'payloadType':'t','payload':'e30=','signatures':[{'keyid':'k'}]}|env: signatures[0].sig",
        "{'payloadType':'t','payload':'e30=','signatures':[{'sig':'!'}]}|env: signatures[0].sig: is not base64",
        "[1]|env: not a JSON object",
      })
  void namesTheFieldOfAMalformedEnvelope(String json, String expected) {
    MalformedJsonException e =
        assertThrows(
            MalformedJsonException.class,
            () -> Dsse.parse(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8), "env"));
    assertEquals(true, e.getMessage().startsWith(expected), e.getMessage());
  }

  @Test
  void refusesMoreSignaturesThanTheBound() {
    StringBuilder sigs = new StringBuilder();
    for (int i = 0; i <= Dsse.MAX_SIGNATURES; i++) {
      sigs.append(i == 0 ? "" : ",").append("{\"sig\":\"AA==\"}");
    }
    String json = "{\"payloadType\":\"t\",\"payload\":\"e30=\",\"signatures\":[" + sigs + "]}";
    MalformedJsonException e =
        assertThrows(
            MalformedJsonException.class,
            () -> Dsse.parse(json.getBytes(StandardCharsets.UTF_8), "env"));
    assertEquals("env: signatures: has more than 16 entries", e.getMessage());
  }
}
