package dev.keychain.core.audit;

import java.util.concurrent.TimeUnit;

/**
 * How much of a core a verification may take: after each slice of work it rests in proportion, so
 * that a full verification of a large log, which is pure hashing, leaves the appenders (admissions,
 * grants) their share of a small machine. One per verification; not thread-safe.
 */
public final class VerificationPace {
  static final int SLICE_FRAMES = 256;
  private final double share;
  private long sliceStart = System.nanoTime();

  private VerificationPace(double share) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("CPU share must be in (0, 1], got " + share);
    }
    this.share = share;
  }

  /** No rest: as fast as one core goes. */
  public static VerificationPace full() {
    return new VerificationPace(1);
  }

  /** At most {@code share} (0 to 1) of one core, averaged over slices. */
  public static VerificationPace share(double share) {
    return new VerificationPace(share);
  }

  /** Called after each slice of work. */
  void breathe() {
    if (share >= 1) {
      return;
    }
    long worked = System.nanoTime() - sliceStart;
    long rest = (long) (worked * (1 - share) / share);
    try {
      TimeUnit.NANOSECONDS.sleep(rest);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sliceStart = System.nanoTime();
  }
}
