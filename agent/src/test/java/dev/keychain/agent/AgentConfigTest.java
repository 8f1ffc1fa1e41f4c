package dev.keychain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("KEYCHAIN_OPERATOR_URL", "https://op.ns.svc:443/");
    env.put("KEYCHAIN_CA_BUNDLE", "PEM");
    env.put("KEYCHAIN_TOKEN_FILE", "/t");
    env.put("KEYCHAIN_KEY_DIR", "/k");
    return env;
  }

  @Test
  void readsEnvironmentWithDefaults() {
    AgentConfig c = AgentConfig.fromEnvironment(env());
    assertEquals("https://op.ns.svc:443", c.operatorUrl().toString());
    assertEquals(30, c.watchSeconds());
  }

  @Test
  void namesWhatIsWrong() {
    Map<String, String> plain = env();
    plain.put("KEYCHAIN_OPERATOR_URL", "http://op");
    assertEquals(
        "KEYCHAIN_OPERATOR_URL must be https, not http://op",
        assertThrows(IllegalArgumentException.class, () -> AgentConfig.fromEnvironment(plain))
            .getMessage());
    // Found by AgentConfigFuzzTest: java.net.URI reads these with no host at all.
    for (String url : List.of("https://op.ns.svc:8443.", "https://op-", "https://op_x.svc")) {
      Map<String, String> hostless = env();
      hostless.put("KEYCHAIN_OPERATOR_URL", url);
      assertEquals(
          "KEYCHAIN_OPERATOR_URL has no valid host name and port: " + url,
          assertThrows(IllegalArgumentException.class, () -> AgentConfig.fromEnvironment(hostless))
              .getMessage());
    }
    Map<String, String> nul = env();
    nul.put("KEYCHAIN_KEY_DIR", "/k\u0000");
    assertEquals(
        "KEYCHAIN_KEY_DIR is not a path: Nul character not allowed",
        assertThrows(IllegalArgumentException.class, () -> AgentConfig.fromEnvironment(nul))
            .getMessage());
    Map<String, String> missing = env();
    missing.remove("KEYCHAIN_TOKEN_FILE");
    assertEquals(
        "KEYCHAIN_TOKEN_FILE is not set",
        assertThrows(IllegalArgumentException.class, () -> AgentConfig.fromEnvironment(missing))
            .getMessage());
    Map<String, String> bad = env();
    bad.put("KEYCHAIN_WATCH_SECONDS", "600");
    assertEquals(
        "KEYCHAIN_WATCH_SECONDS must be 1 to 60, is 600",
        assertThrows(IllegalArgumentException.class, () -> AgentConfig.fromEnvironment(bad))
            .getMessage());
  }
}
