package dev.keychain.core.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.crypto.SecretAccess;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyTreeTest {
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

  private static KeyTree tree() {
    return KeyTree.create(NOW)
        .addGroup("A", NOW)
        .addGroup("B", NOW)
        .addAgent("A", "pod-0", NOW)
        .addAgent("A", "pod-1", NOW)
        .addAgent("B", "pod-2", NOW);
  }

  @Test
  void revokingAGroupRevokesEveryAgentBelowIt() {
    KeyTree revoked = tree().revokeGroup("A", NOW);
    KeyRevokedException e =
        assertThrows(KeyRevokedException.class, () -> revoked.subKeyEpochs("A", "pod-0"));
    assertEquals("group A is revoked", e.getMessage());
    assertThrows(KeyRevokedException.class, () -> revoked.subKeyEpochs("A", "pod-1"));
    assertEquals(new SubKeyEpochs(0, 0, 0), revoked.subKeyEpochs("B", "pod-2"));
  }

  @Test
  void revokingTheRootRevokesEverything() {
    KeyTree revoked = tree().revokeRoot(NOW);
    assertThrows(KeyRevokedException.class, () -> revoked.subKeyEpochs("B", "pod-2"));
    assertThrows(KeyRevokedException.class, () -> revoked.rotateRoot(NOW));
  }

  @Test
  void reinstatedNodesMoveToANewEpoch() {
    KeyTree t = tree().rotateGroup("A", NOW).revokeGroup("A", NOW).reinstateGroup("A", NOW);
    assertEquals(2, t.group("A").orElseThrow().epoch());
    assertFalse(t.group("A").orElseThrow().revoked());
    KeyTree a = tree().revokeAgent("A", "pod-0", NOW).reinstateAgent("A", "pod-0", NOW);
    assertEquals(new SubKeyEpochs(0, 0, 1), a.subKeyEpochs("A", "pod-0"));
  }

  @Test
  void unknownNodesAreNamedInErrors() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> tree().rotateGroup("Z", NOW));
    assertEquals("no group Z in this chain", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tree().addAgent("Z", "p", NOW));
  }

  /**
   * Property: over random sequences of rotations, revocations and reinstatements, a key that was
   * ever valid before a revocation of the agent or anything above it is never derived again.
   */
  @Test
  void revokedSubtreeNeverReDerivesAnOldKey() {
    Random random = new Random(20261123);
    try (ChainKey sk = KeyDerivation.newSession("c", NOW)) {
      for (int run = 0; run < 40; run++) {
        KeyTree t = tree();
        Set<String> retired = new HashSet<>();
        List<String> liveSinceLastRevocation = new ArrayList<>();
        for (int step = 0; step < 30; step++) {
          int op = random.nextInt(7);
          boolean revokes = false;
          try {
            switch (op) {
              case 0 -> t = t.rotateRoot(NOW);
              case 1 -> t = t.rotateGroup("A", NOW);
              case 2 -> t = t.rotateAgent("A", "pod-0", NOW);
              case 3 -> {
                t = t.revokeGroup("A", NOW);
                revokes = true;
              }
              case 4 -> {
                t = t.revokeAgent("A", "pod-0", NOW);
                revokes = true;
              }
              case 5 -> t = t.reinstateGroup("A", NOW);
              default -> t = t.reinstateAgent("A", "pod-0", NOW);
            }
          } catch (KeyRevokedException e) {
            continue; // rotating a revoked node is refused; that is part of the contract
          }
          if (revokes) {
            retired.addAll(liveSinceLastRevocation);
            liveSinceLastRevocation.clear();
          }
          try {
            String key =
                HexFormat.of()
                    .formatHex(
                        KeyDerivation.currentSubKey(sk, t, "A", "pod-0", SubKeySize.BITS_128, NOW)
                            .secret(SecretAccess.grant())
                            .toByteArray(SecretAccess.grant()));
            assertFalse(retired.contains(key), "a key from before a revocation came back");
            liveSinceLastRevocation.add(key);
          } catch (KeyRevokedException e) {
            assertTrue(
                t.group("A").orElseThrow().revoked()
                    || t.agent("A", "pod-0").orElseThrow().revoked());
          }
        }
      }
    }
  }
}
