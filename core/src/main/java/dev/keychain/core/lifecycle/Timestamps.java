package dev.keychain.core.lifecycle;

import java.time.Instant;

/**
 * The cumulative timestamps of Table 6: created (n), changed (c, last state change), deleted (d),
 * moved (m, last group change) and last (l, last modification of any kind). Null = never.
 */
public record Timestamps(
    Instant created, Instant changed, Instant deleted, Instant moved, Instant last) {
  static Timestamps createdAt(Instant at) {
    return new Timestamps(at, at, null, null, at);
  }

  Timestamps changedAt(Instant at) {
    return new Timestamps(created, at, deleted, moved, at);
  }

  Timestamps deletedAt(Instant at) {
    return new Timestamps(created, at, at, moved, at);
  }

  Timestamps movedAt(Instant at) {
    return new Timestamps(created, changed, deleted, at, at);
  }
}
