package dev.keychain.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReplayCacheTest {
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

  @Test
  void forgetsNoncesOnlyAfterTheyCanNoLongerPassTheTimestampCheck() throws Exception {
    ReplayCache cache = new ReplayCache(Duration.ofSeconds(30), 10);
    cache.record(new byte[] {1}, T0);
    assertThrows(AuthFailure.class, () -> cache.record(new byte[] {1}, T0.plusSeconds(59)));
    cache.record(new byte[] {1}, T0.plusSeconds(61));
    assertEquals(1, cache.size());
  }

  @Test
  void refusesRatherThanForgetsWhenFull() throws Exception {
    ReplayCache cache = new ReplayCache(Duration.ofSeconds(30), 2);
    cache.record(new byte[] {1}, T0);
    cache.record(new byte[] {2}, T0);
    AuthFailure e = assertThrows(AuthFailure.class, () -> cache.record(new byte[] {3}, T0));
    assertEquals(AuthFailure.Reason.UNAVAILABLE, e.reason());
  }
}
