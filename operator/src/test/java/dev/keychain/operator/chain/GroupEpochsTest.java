package dev.keychain.operator.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroupEpochsTest {
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

  private static ChainState state(String... groups) {
    return GroupEpochs.follow(new ChainState("id", 0, Map.of(), null), List.of(groups), T0);
  }

  @Test
  void twoPhaseRotationAdvancesEachGroupOnceEvenIfRepeated() {
    ChainState issued = GroupEpochs.issue(state("A", "B"), Set.of("A"), "r1");
    assertEquals(1L, issued.groups().get("A").pendingEpoch());
    assertEquals("r1", issued.lastRotationRequestId());
    // Issuing again before the commit (a retried reconcile) does not skip an epoch.
    assertEquals(issued, GroupEpochs.issue(issued, Set.of("A"), "r1"));
    Set<String> rotated = new HashSet<>();
    ChainState committed = GroupEpochs.commit(issued, T0.plusSeconds(5), rotated);
    assertEquals(Set.of("A"), rotated);
    assertEquals(1, committed.groups().get("A").epoch());
    assertNull(committed.groups().get("A").pendingEpoch());
    assertEquals(0, committed.groups().get("B").epoch());
    Set<String> again = new HashSet<>();
    assertEquals(committed, GroupEpochs.commit(committed, T0.plusSeconds(9), again));
    assertTrue(again.isEmpty());
  }

  @Test
  void aReAddedGroupComesBackAtANewEpoch() {
    ChainState removed = GroupEpochs.follow(state("A", "B"), List.of("A"), T0);
    assertTrue(removed.groups().get("B").isRemoved());
    ChainState back = GroupEpochs.follow(removed, List.of("A", "B"), T0);
    assertEquals(1, back.groups().get("B").epoch());
    assertTrue(!back.groups().get("B").isRemoved());
    assertTrue(
        GroupEpochs.issue(removed, Set.of("B"), null).groups().get("B").pendingEpoch() == null);
  }

  @Test
  void groupsFallDueAfterTheirPeriod() {
    ChainState s = state("A");
    assertTrue(GroupEpochs.due(s, Duration.ofHours(1), T0.plusSeconds(3599)).isEmpty());
    assertEquals(Set.of("A"), GroupEpochs.due(s, Duration.ofHours(1), T0.plusSeconds(3600)));
    assertEquals(T0.plusSeconds(3600), GroupEpochs.nextDue(s, Duration.ofHours(1)));
  }

  @Test
  void parsesGoDurationsAndRejectsOthers() {
    assertEquals(Duration.ofHours(720), GroupEpochs.parseDuration("720h"));
    assertEquals(Duration.ofMinutes(90), GroupEpochs.parseDuration("1h30m"));
    assertEquals(Duration.ofMillis(1500), GroupEpochs.parseDuration("1.5s"));
    for (String bad : List.of("", "h", "10", "10d", "1h 30m", "0s")) {
      assertThrows(IllegalArgumentException.class, () -> GroupEpochs.parseDuration(bad), bad);
    }
  }
}
