package dev.keychain.scenarios;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Polling for what a scenario expects, failing with what was awaited and the last error seen. */
public final class Await {
  private Await() {}

  /**
   * Polls {@code value} every 200 ms until it is present; on timeout throws a {@link
   * ScenarioFailure} naming {@code what} (the expectation) and the last error met on the way.
   */
  public static <T> T value(String what, Duration timeout, Supplier<Optional<T>> value) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        Optional<T> v = value.get();
        if (v.isPresent()) {
          return v.get();
        }
        last = null;
      } catch (ScenarioFailure | KubernetesClientException e) {
        last = e;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ScenarioFailure("interrupted waiting for " + what);
      }
    }
    throw new ScenarioFailure(
        "waited "
            + timeout.toSeconds()
            + " s for "
            + what
            + (last == null ? "" : "; last error: " + last.getMessage()));
  }

  /** Like {@link #value}, for a condition. */
  public static void until(String what, Duration timeout, Supplier<Boolean> condition) {
    value(what, timeout, () -> condition.get() ? Optional.of(true) : Optional.empty());
  }
}
