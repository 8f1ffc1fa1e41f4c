package dev.keychain.core.keyset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.lifecycle.AuthorizationRow;
import dev.keychain.core.lifecycle.InstanceState;
import dev.keychain.core.lifecycle.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class InstanceKeysetTest {
  private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");
  private static final String ROW =
      "\"state\":\"Running\",\"group\":\"g\",\"timestamps\":{\"created\":\"2026-01-02T03:04:05Z\"},";

  private static AuthorizationRow row(InstanceState state, boolean restricted, String group) {
    return new AuthorizationRow(
        state,
        restricted,
        group,
        new Timestamps(T0, T0.plusSeconds(5), null, T0, T0.plusSeconds(9)));
  }

  private static InstanceKeys enrolled(String group, long epoch) {
    return InstanceKeys.enrolled(row(InstanceState.Running, false, group), epoch);
  }

  private static InstanceKeyset oneRow(InstanceKeys keys) throws EpochRegressionException {
    return InstanceKeyset.empty().with("ns", "web", keys);
  }

  @Test
  void roundTripsEveryFieldThroughItsStoredForm() throws Exception {
    InstanceKeyset set =
        oneRow(new InstanceKeys(row(InstanceState.Paused, true, "blue"), 3, 4L, 7))
            .with("ns", "db", enrolled("green", 0))
            .with("other", "job", enrolled("blue", 2))
            .without("other", "job");
    InstanceKeyset back = InstanceKeyset.decode(set.encode(), "keyset");
    assertEquals(set, back);
    assertArrayEquals(set.encode(), back.encode());
    assertEquals(
        new InstanceKeys(row(InstanceState.Paused, true, "blue"), 3, 4L, 7),
        back.get("ns", "web").orElseThrow());
    assertEquals(3, back.firstEpochFor("other", "job"));
  }

  @Test
  void refusesRowThatLowersTheServedEpoch() throws Exception {
    InstanceKeyset set = oneRow(enrolled("blue", 5));
    EpochRegressionException e =
        assertThrows(
            EpochRegressionException.class, () -> set.with("ns", "web", enrolled("blue", 4)));
    assertTrue(e.getMessage().contains("ns/web"), e.getMessage());
    assertTrue(e.getMessage().contains("from 5 to 4"), e.getMessage());
    assertEquals(5, set.get("ns", "web").orElseThrow().subKeyEpoch());
  }

  @Test
  void refusesRowThatDropsAPendingRotation() throws Exception {
    InstanceKeyset set = oneRow(enrolled("blue", 1).withPending(2));
    assertThrows(EpochRegressionException.class, () -> set.with("ns", "web", enrolled("blue", 1)));
    InstanceKeyset promoted = set.with("ns", "web", set.get("ns", "web").orElseThrow().promoted());
    assertEquals(2, promoted.get("ns", "web").orElseThrow().subKeyEpoch());
  }

  @Test
  void refusesRowThatLowersTheRestartedGeneration() throws Exception {
    InstanceKeyset set = oneRow(enrolled("blue", 1).withRestartedGeneration(9));
    assertThrows(
        EpochRegressionException.class,
        () -> set.with("ns", "web", enrolled("blue", 1).withRestartedGeneration(8)));
  }

  @Test
  void recreatedInstanceStartsAboveEveryEpochItsPredecessorHeld() throws Exception {
    InstanceKeyset set = oneRow(enrolled("blue", 6).withPending(7)).without("ns", "web");
    assertFalse(set.get("ns", "web").isPresent());
    assertEquals(8, set.firstEpochFor("ns", "web"));
    assertThrows(EpochRegressionException.class, () -> set.with("ns", "web", enrolled("blue", 7)));
    InstanceKeyset again = set.with("ns", "web", enrolled("blue", 8));
    assertEquals(0, again.firstEpochFor("ns", "other"));
    assertEquals(8, again.get("ns", "web").orElseThrow().subKeyEpoch());
  }

  @Test
  void unchangedRowKeepsTheSameKeyset() throws Exception {
    InstanceKeyset set = oneRow(enrolled("blue", 1));
    assertSame(set, set.with("ns", "web", enrolled("blue", 1)));
  }

  @Test
  void rejectsPendingEpochNotAboveTheServedOne() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new InstanceKeys(row(InstanceState.Running, false, "g"), 3, 3L, 0));
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
        "{\"format\":1,\"instances\":{\"a/b\":{"
            + ROW
            + "\"subKeyEpoch\":-1,"
            + "\"restricted\":false,\"restartedGeneration\":0}},\"retired\":{}}",
        "subKeyEpoch");
    assertMalformed(
        "{\"format\":1,\"instances\":{\"a/b\":{"
            + ROW
            + "\"subKeyEpoch\":2,"
            + "\"pendingSubKeyEpoch\":1,\"restricted\":false,\"restartedGeneration\":0}},"
            + "\"retired\":{}}",
        "instances.a/b");
    assertMalformed(
        "{\"format\":1,\"instances\":{\"a/b\":{"
            + ROW
            + "\"subKeyEpoch\":2,"
            + "\"restricted\":\"no\",\"restartedGeneration\":0}},\"retired\":{}}",
        "restricted");
    assertMalformed(
        "{\"format\":1,\"instances\":{\"a/b\":{"
            + ROW
            + "\"subKeyEpoch\":2,"
            + "\"restricted\":false,\"restartedGeneration\":0}},\"retired\":{\"a/b\":1}}",
        "also a live instance");
    assertMalformed(
        "{\"format\":1,\"instances\":{\"a/b\":{\"state\":\"Sleeping\",\"group\":\"g\","
            + "\"timestamps\":{},\"subKeyEpoch\":2,\"restricted\":false,"
            + "\"restartedGeneration\":0}},\"retired\":{}}",
        "unknown lifecycle state Sleeping");
    assertMalformed(
        "{\"format\":1,\"instances\":{\"a/b\":{\"state\":\"Running\",\"group\":\"g\","
            + "\"timestamps\":{\"moved\":\"yesterday\"},\"subKeyEpoch\":2,"
            + "\"restricted\":false,\"restartedGeneration\":0}},\"retired\":{}}",
        "instances.a/b.timestamps.moved");
    assertMalformed(
        "{\"format\":1,\"instances\":{\"a/b\":{\"state\":\"Running\",\"group\":\"g\","
            + "\"subKeyEpoch\":2,\"restricted\":false,\"restartedGeneration\":0}},"
            + "\"retired\":{}}",
        "timestamps");
  }

  @Test
  void twoThousandFourHundredBusyInstancesFitInOneSecret() throws Exception {
    // Worst-ish rows: long names, every timestamp set with nanoseconds, a rotation pending.
    Instant t = Instant.parse("2026-12-04T19:03:31.853123456Z");
    AuthorizationRow busy =
        new AuthorizationRow(
            InstanceState.Restart, true, "payments-eu-west", new Timestamps(t, t, t, t, t));
    InstanceKeyset set = InstanceKeyset.empty();
    for (int i = 0; i < 2400; i++) {
      set =
          set.with(
              "tenant-namespace-" + (i % 10),
              "instance-name-" + i,
              new InstanceKeys(busy, 123_456L + i, 123_457L + i, 1_000L + i));
    }
    int bytes = set.encode().length;
    // A Secret's data may hold 1 MiB; the session key and group epochs take a few KiB of it.
    assertTrue(bytes < 1_000_000, bytes + " bytes");
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
