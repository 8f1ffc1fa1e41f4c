package dev.keychain.core.keyset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.json.MalformedJsonException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InstanceKeysetTest {
  private static InstanceKeyset oneRow(InstanceKeys keys) throws EpochRegressionException {
    return InstanceKeyset.empty().with("ns", "web", keys);
  }

  @Test
  void roundTripsEveryFieldThroughItsStoredForm() throws Exception {
    InstanceKeyset set =
        oneRow(new InstanceKeys("blue", 3, 4L, true, 7))
            .with("ns", "db", InstanceKeys.enrolled("green", 0))
            .with("other", "job", InstanceKeys.enrolled("blue", 2))
            .without("other", "job");
    InstanceKeyset back = InstanceKeyset.decode(set.encode(), "keyset");
    assertEquals(set, back);
    assertArrayEquals(set.encode(), back.encode());
    assertEquals(new InstanceKeys("blue", 3, 4L, true, 7), back.get("ns", "web").orElseThrow());
    assertEquals(3, back.firstEpochFor("other", "job"));
  }

  @Test
  void refusesRowThatLowersTheServedEpoch() throws Exception {
    InstanceKeyset set = oneRow(InstanceKeys.enrolled("blue", 5));
    EpochRegressionException e =
        assertThrows(
            EpochRegressionException.class,
            () -> set.with("ns", "web", InstanceKeys.enrolled("blue", 4)));
    assertTrue(e.getMessage().contains("ns/web"), e.getMessage());
    assertTrue(e.getMessage().contains("from 5 to 4"), e.getMessage());
    assertEquals(5, set.get("ns", "web").orElseThrow().subKeyEpoch());
  }

  @Test
  void refusesRowThatDropsAPendingRotation() throws Exception {
    InstanceKeyset set = oneRow(InstanceKeys.enrolled("blue", 1).withPending(2));
    assertThrows(
        EpochRegressionException.class,
        () -> set.with("ns", "web", InstanceKeys.enrolled("blue", 1)));
    InstanceKeyset promoted = set.with("ns", "web", set.get("ns", "web").orElseThrow().promoted());
    assertEquals(2, promoted.get("ns", "web").orElseThrow().subKeyEpoch());
  }

  @Test
  void refusesRowThatLowersTheRestartedGeneration() throws Exception {
    InstanceKeyset set = oneRow(InstanceKeys.enrolled("blue", 1).withRestartedGeneration(9));
    assertThrows(
        EpochRegressionException.class,
        () -> set.with("ns", "web", InstanceKeys.enrolled("blue", 1).withRestartedGeneration(8)));
  }

  @Test
  void recreatedInstanceStartsAboveEveryEpochItsPredecessorHeld() throws Exception {
    InstanceKeyset set =
        oneRow(InstanceKeys.enrolled("blue", 6).withPending(7)).without("ns", "web");
    assertFalse(set.get("ns", "web").isPresent());
    assertEquals(8, set.firstEpochFor("ns", "web"));
    assertThrows(
        EpochRegressionException.class,
        () -> set.with("ns", "web", InstanceKeys.enrolled("blue", 7)));
    InstanceKeyset again = set.with("ns", "web", InstanceKeys.enrolled("blue", 8));
    assertEquals(0, again.firstEpochFor("ns", "other"));
    assertEquals(8, again.get("ns", "web").orElseThrow().subKeyEpoch());
  }

  @Test
  void unchangedRowKeepsTheSameKeyset() throws Exception {
    InstanceKeyset set = oneRow(InstanceKeys.enrolled("blue", 1));
    assertSame(set, set.with("ns", "web", InstanceKeys.enrolled("blue", 1)));
  }

  @Test
  void rejectsPendingEpochNotAboveTheServedOne() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new InstanceKeys("g", 3, 3L, false, 0));
    assertTrue(e.getMessage().contains("pending sub-key epoch 3"), e.getMessage());
  }

  @Test
  void malformedStoredKeysetNamesWhatIsWrong() {
    assertMalformed("{}", "format");
    assertMalformed(
        "{\"format\":2,\"instances\":{},\"retired\":{}}", "unsupported keyset format 2");
    assertMalformed(
        "{\"format\":1,\"instances\":{\"noslash\":{}},\"retired\":{}}", "must be namespace/name");
    assertMalformed(
        "{\"format\":1,\"instances\":{\"a/b\":{\"group\":\"g\",\"subKeyEpoch\":-1,"
            + "\"restricted\":false,\"restartedGeneration\":0}},\"retired\":{}}",
        "subKeyEpoch");
    assertMalformed(
        "{\"format\":1,\"instances\":{\"a/b\":{\"group\":\"g\",\"subKeyEpoch\":2,"
            + "\"pendingSubKeyEpoch\":1,\"restricted\":false,\"restartedGeneration\":0}},"
            + "\"retired\":{}}",
        "instances.a/b");
    assertMalformed(
        "{\"format\":1,\"instances\":{\"a/b\":{\"group\":\"g\",\"subKeyEpoch\":2,"
            + "\"restricted\":\"no\",\"restartedGeneration\":0}},\"retired\":{}}",
        "restricted");
    assertMalformed(
        "{\"format\":1,\"instances\":{\"a/b\":{\"group\":\"g\",\"subKeyEpoch\":2,"
            + "\"restricted\":false,\"restartedGeneration\":0}},\"retired\":{\"a/b\":1}}",
        "also a live instance");
  }

  private static void assertMalformed(String json, String expected) {
    MalformedJsonException e =
        assertThrows(
            MalformedJsonException.class,
            () -> InstanceKeyset.decode(json.getBytes(StandardCharsets.UTF_8), "chain keyset"));
    assertTrue(e.getMessage().startsWith("chain keyset"), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
