package dev.keychain.core.attest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.json.MalformedJsonException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InTotoStatementTest {
  static final String HEX = "a".repeat(64);

  private static InTotoStatement parse(String json) throws MalformedJsonException {
    return InTotoStatement.parse(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8), "st");
  }

  @Test
  void coversTheDigestsOfItsSubjects() throws Exception {
    InTotoStatement s =
        parse(
            "{'_type':'https://in-toto.io/Statement/v0.1','predicateType':'p','subject':["
                + "{'name':'a','digest':{'sha512':'00'}},{'name':'b','digest':{'sha256':'"
                + HEX
                + "'}}],'predicate':{'x':1}}");
    assertTrue(s.covers("sha256:" + HEX));
    assertFalse(s.covers("sha256:" + "b".repeat(64)));
    assertEquals("p", s.predicateType());
    assertEquals(1, s.predicate().get("x").asInt());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{'_type':'x','predicateType':'p','subject':[]}|st: _type: is 'x', not an in-toto Statement v0.1 or v1",
        "{'_type':'https://in-toto.io/Statement/v1','subject':[]}|st: predicateType",
        "{'_type':'https://in-toto.io/Statement/v1','predicateType':'p','subject':[]}|st: subject: is empty",
        "{'_type':'https://in-toto.io/Statement/v1','predicateType':'p','subject':[{'digest':{'sha256':'XY'}}]}|st: subject[0].digest.sha256: is not 64 lowercase hex digits",
        "{'_type':'https://in-toto.io/Statement/v1','predicateType':'p','subject':[{'name':'a'}]}|st: subject[0].digest",
        "{'_type':'https://in-toto.io/Statement/v1','predicateType':'p','subject':[{'digest':{}}],'predicate':[1]}|st: predicate: is not an object",
      })
  void namesTheFieldOfAMalformedStatement(String json, String expected) {
    MalformedJsonException e = assertThrows(MalformedJsonException.class, () -> parse(json));
    assertTrue(e.getMessage().startsWith(expected), e.getMessage());
  }
}
