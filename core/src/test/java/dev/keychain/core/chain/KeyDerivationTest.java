package dev.keychain.core.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import java.io.InputStream;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyDerivationTest {
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private static final HexFormat HEX = HexFormat.of();

  private static ChainKey session(byte[] bytes) {
    return KeyDerivation.session(
        "tenant-a", 0, NOW, SecretBytes.copyOf(bytes, SecretAccess.grant()));
  }

  private static String hex(ChainKey key) {
    return key.secret(SecretAccess.grant()).apply(SecretAccess.grant(), HEX::formatHex);
  }

  /** Vectors from an independent Python implementation (src/test/resources/vectors/generate.py). */
  @Test
  void derivationMatchesIndependentTestVectors() throws Exception {
    JsonNode cases;
    try (InputStream in = getClass().getResourceAsStream("/vectors/key-chain.json")) {
      cases = new ObjectMapper().readTree(in);
    }
    assertEquals(4, cases.size());
    for (JsonNode c : cases) {
      ChainKey sk =
          KeyDerivation.session(
              c.get("chain").asText(),
              0,
              NOW,
              SecretBytes.copyOf(HEX.parseHex(c.get("session").asText()), SecretAccess.grant()));
      ChainKey root = KeyDerivation.root(sk, c.get("rootEpoch").asLong(), NOW);
      ChainKey group =
          KeyDerivation.group(root, c.get("group").asText(), c.get("groupEpoch").asLong(), NOW);
      ChainKey agent =
          KeyDerivation.agent(
              group,
              c.get("agent").asText(),
              c.get("agentEpoch").asLong(),
              SubKeySize.ofBits(c.get("bits").asInt()),
              NOW);
      assertEquals(c.get("root").asText(), hex(root));
      assertEquals(c.get("groupKey").asText(), hex(group));
      assertEquals(c.get("agentKey").asText(), hex(agent));
      assertEquals(c.get("rootKeyId").asText(), root.keyId().hex());
      assertEquals(c.get("groupKeyId").asText(), group.keyId().hex());
      assertEquals(c.get("agentKeyId").asText(), agent.keyId().hex());
      assertEquals(c.get("bits").asInt() / 8, agent.lengthBytes());
    }
  }

  @Test
  void siblingSubKeysAreAllDistinct() {
    try (ChainKey sk = KeyDerivation.newSession("c", NOW);
        ChainKey root = KeyDerivation.root(sk, 0, NOW);
        ChainKey group = KeyDerivation.group(root, "A", 0, NOW);
        SubKeyDeriver deriver = new SubKeyDeriver(group, SubKeySize.BITS_128)) {
      Set<String> keys = new HashSet<>();
      Set<KeyId> ids = new HashSet<>();
      for (int i = 0; i < 5_000; i++) {
        ChainKey agent = deriver.derive("pod-" + i, 0, NOW);
        assertTrue(keys.add(hex(agent)), "duplicate sub key for pod-" + i);
        assertTrue(ids.add(agent.keyId()));
      }
    }
  }

  @Test
  void rotatingAnyLevelChangesTheSubKey() {
    try (ChainKey sk = KeyDerivation.newSession("c", NOW)) {
      String base = hex(subKey(sk, 0, 0, 0));
      assertNotEquals(base, hex(subKey(sk, 0, 0, 1)), "agent rotation");
      assertNotEquals(base, hex(subKey(sk, 0, 1, 0)), "group rotation");
      assertNotEquals(base, hex(subKey(sk, 1, 0, 0)), "root rotation");
      assertEquals(base, hex(subKey(sk, 0, 0, 0)), "derivation is deterministic");
    }
  }

  private static ChainKey subKey(ChainKey sk, long rootEpoch, long groupEpoch, long agentEpoch) {
    ChainKey root = KeyDerivation.root(sk, rootEpoch, NOW);
    ChainKey group = KeyDerivation.group(root, "A", groupEpoch, NOW);
    return KeyDerivation.agent(group, "pod-0", agentEpoch, SubKeySize.BITS_256, NOW);
  }

  @Test
  void groupsAndChainsWithSimilarNamesDoNotCollide() {
    try (ChainKey sk = KeyDerivation.newSession("c", NOW)) {
      ChainKey root = KeyDerivation.root(sk, 0, NOW);
      // Length-prefixed fields: "A" + "B/x" must not equal "AB" + "/x" and so on.
      ChainKey ab = KeyDerivation.group(root, "AB", 0, NOW);
      ChainKey a = KeyDerivation.group(root, "A", 0, NOW);
      assertNotEquals(
          hex(KeyDerivation.agent(ab, "x", 0, SubKeySize.BITS_256, NOW)),
          hex(KeyDerivation.agent(a, "Bx", 0, SubKeySize.BITS_256, NOW)));
    }
  }

  @Test
  void parentVouchesForChildMetadataAndOnlyForIt() {
    try (ChainKey sk = KeyDerivation.newSession("c", NOW)) {
      ChainKey root = KeyDerivation.root(sk, 0, NOW);
      ChainKey group = KeyDerivation.group(root, "A", 4, NOW);
      ChainKey agent = KeyDerivation.agent(group, "pod-0", 2, SubKeySize.BITS_128, NOW);
      assertTrue(KeyDerivation.verifyBinding(sk, root));
      assertTrue(KeyDerivation.verifyBinding(root, group));
      assertTrue(KeyDerivation.verifyBinding(group, agent));

      ChainKey otherGroup = KeyDerivation.group(root, "B", 4, NOW);
      assertFalse(KeyDerivation.verifyBinding(otherGroup, agent), "wrong parent");
      // Same key, forged metadata (another epoch and creation time): the MAC no longer matches.
      ChainKey forged =
          new ChainKey(
              KeyLevel.AGENT,
              agent.coordinates(),
              3,
              NOW.plusSeconds(60),
              group.keyId(),
              agent.binding().orElseThrow(),
              SecretBytes.copyOf(
                  agent.secret(SecretAccess.grant()).toByteArray(SecretAccess.grant()),
                  SecretAccess.grant()));
      assertFalse(KeyDerivation.verifyBinding(group, forged));
    }
  }

  @Test
  void subKeyDeriverAgreesWithSingleDerivation() {
    try (ChainKey sk = KeyDerivation.newSession("c", NOW)) {
      ChainKey group = KeyDerivation.group(KeyDerivation.root(sk, 0, NOW), "A", 0, NOW);
      try (SubKeyDeriver deriver = new SubKeyDeriver(group, SubKeySize.BITS_128)) {
        ChainKey one = KeyDerivation.agent(group, "pod-9", 5, SubKeySize.BITS_128, NOW);
        ChainKey many = deriver.derive("pod-9", 5, NOW);
        assertEquals(hex(one), hex(many));
        assertArrayEquals(one.binding().orElseThrow(), many.binding().orElseThrow());
        assertEquals(hex(one), HEX.formatHex(deriver.deriveBytes("pod-9", 5)));
      }
    }
  }

  @Test
  void keysNeverPrintTheirBytesAndAreZeroedWhenDestroyed() {
    ChainKey sk = session(new byte[32]);
    ChainKey root = KeyDerivation.root(sk, 0, NOW);
    String text = root.toString() + root.secret(SecretAccess.grant());
    assertFalse(text.contains(hex(root)), text);
    assertFalse(text.contains(hex(root).substring(0, 16)), text);
    assertTrue(text.contains(root.keyId().shortForm()));
    SecretBytes secret = root.secret(SecretAccess.grant());
    root.destroy();
    assertTrue(root.isDestroyed());
    assertThrows(IllegalStateException.class, () -> secret.toByteArray(SecretAccess.grant()));
  }

  @Test
  void rejectsBadInputsWithClearMessages() {
    ChainKey sk = session(new byte[32]);
    ChainKey root = KeyDerivation.root(sk, 0, NOW);
    IllegalArgumentException badGroup =
        assertThrows(IllegalArgumentException.class, () -> KeyDerivation.group(root, "", 0, NOW));
    assertTrue(badGroup.getMessage().contains("group name"), badGroup.getMessage());
    assertThrows(IllegalArgumentException.class, () -> KeyDerivation.group(root, "A", -1, NOW));
    assertThrows(IllegalArgumentException.class, () -> KeyDerivation.group(sk, "A", 0, NOW));
    assertThrows(IllegalArgumentException.class, () -> SubKeySize.ofBits(192));
    assertThrows(
        IllegalArgumentException.class,
        () -> KeyDerivation.session("c", 0, NOW, SecretBytes.random(16)));
  }
}
