package dev.keychain.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Fuzz campaign over the agent's configuration (its environment, which the injection webhook sets
 * but a pod's author can override): a mutated variable must be read, or refused with an
 * IllegalArgumentException naming that variable, so the agent's exit message says what to fix. A
 * configuration that is read points at an https URL with a host.
 */
class AgentConfigFuzzTest {
  private static final Map<String, String> VALID =
      Map.of(
          "KEYCHAIN_OPERATOR_URL", "https://keychain-operator.keychain-system.svc:8443/",
          "KEYCHAIN_CA_BUNDLE", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
          "KEYCHAIN_TOKEN_FILE", "/var/run/secrets/keychain.dev/agent/token",
          "KEYCHAIN_KEY_DIR", "/var/run/keychain",
          "KEYCHAIN_INSTANCE", "ns/web",
          "KEYCHAIN_WATCH_SECONDS", "30",
          "KEYCHAIN_CLOCK_SKEW_SECONDS", "30",
          "KEYCHAIN_MAX_BACKOFF_SECONDS", "30");
  private static final List<String> NAMES = List.copyOf(new java.util.TreeSet<>(VALID.keySet()));
  private static final String[] TOKENS = {
    "",
    " ",
    "\u0000",
    "\n",
    "http://",
    "https://",
    "//",
    ":",
    "@",
    "[",
    "]",
    "%",
    "-1",
    "0",
    "99999999999",
    "1e3",
    "\u00ff",
    "?",
    "#",
    "..",
    "/"
  };

  @Property
  void environmentIsReadOrRefusedNamingTheVariable(@ForAll long seed) {
    Random r = new Random(seed);
    Map<String, String> env = new HashMap<>(VALID);
    String name = NAMES.get(r.nextInt(NAMES.size()));
    String value = mutate(VALID.get(name), r);
    if (value == null) {
      env.remove(name);
    } else {
      env.put(name, value);
    }
    AgentConfig c;
    try {
      c = AgentConfig.fromEnvironment(env);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() == null || !e.getMessage().contains(name)) {
        fail("refusal of " + name + "=" + printable(value) + " does not name it: " + e, e);
      }
      return;
    } catch (Throwable t) {
      fail("threw " + t + " for " + name + "=" + printable(value), t);
      return;
    }
    assertTrue(
        "https".equals(c.operatorUrl().getScheme()) && c.operatorUrl().getHost() != null,
        "read an operator URL without an https host: " + c.operatorUrl());
  }

  private static String mutate(String value, Random r) {
    switch (r.nextInt(6)) {
      case 0:
        return null;
      case 1:
        return TOKENS[r.nextInt(TOKENS.length)];
      case 2:
        {
          int at = r.nextInt(value.length() + 1);
          return value.substring(0, at) + TOKENS[r.nextInt(TOKENS.length)] + value.substring(at);
        }
      case 3:
        return value.substring(0, r.nextInt(value.length() + 1));
      case 4:
        {
          byte[] b = value.getBytes(StandardCharsets.UTF_8);
          b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
          return new String(b, StandardCharsets.UTF_8);
        }
      default:
        return value + value;
    }
  }

  private static String printable(String s) {
    return s == null ? "(unset)" : s.replace("\u0000", "\\0").replace("\n", "\\n");
  }
}
