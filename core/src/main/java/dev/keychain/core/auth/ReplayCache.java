package dev.keychain.core.auth;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * Remembers agent nonces for as long as their hellos could pass the timestamp check (twice the
 * clock-skew window), so a captured hello cannot be replayed. Bounded: when full of live entries it
 * refuses new ones rather than forgetting (fail closed). Thread-safe.
 */
public final class ReplayCache {
  private record Entry(ByteBuffer nonce, Instant expires) {}

  private final Duration retention;
  private final int capacity;
  private final Set<ByteBuffer> seen = new HashSet<>();
  private final ArrayDeque<Entry> order = new ArrayDeque<>();

  public ReplayCache(Duration skew, int capacity) {
    this.retention = skew.multipliedBy(2);
    this.capacity = capacity;
  }

  /**
   * Records a nonce.
   *
   * @throws AuthFailure REPLAYED_NONCE if seen before, UNAVAILABLE if the cache is full
   */
  public synchronized void record(byte[] nonce, Instant now) throws AuthFailure {
    while (!order.isEmpty() && order.peekFirst().expires().isBefore(now)) {
      seen.remove(order.pollFirst().nonce());
    }
    ByteBuffer key = ByteBuffer.wrap(nonce.clone());
    if (seen.contains(key)) {
      throw new AuthFailure(
          AuthFailure.Reason.REPLAYED_NONCE, "this agent hello was seen before (replayed)");
    }
    if (seen.size() >= capacity) {
      throw new AuthFailure(
          AuthFailure.Reason.UNAVAILABLE, "too many handshakes in flight; retry later");
    }
    seen.add(key);
    order.addLast(new Entry(key, now.plus(retention)));
  }

  public synchronized int size() {
    return seen.size();
  }
}
