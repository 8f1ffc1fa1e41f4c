package dev.keychain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
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
