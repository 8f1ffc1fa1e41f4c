package dev.keychain.operator.admission;

import dev.keychain.operator.api.v1alpha1.RunningPodsSpec;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a whitelist does to running pods it no longer verifies ({@code spec.runningPods}), and how
 * often it verifies them again.
 */
record RunningPodPolicy(Action action, Duration interval) {
  static final Duration MIN_INTERVAL = Duration.ofSeconds(30);
  static final Duration MAX_INTERVAL = Duration.ofHours(24);
  static final RunningPodPolicy DEFAULT =
      new RunningPodPolicy(Action.REPORT, Duration.ofMinutes(5));
  private static final Pattern DURATION = Pattern.compile("^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$");

  enum Action {
    REPORT,
    /** Report, and refuse their agents their keys. */
    RESTRICT,
    /** Restrict, and evict them. */
    EVICT;

    /** The spelling of the spec and the status: Report, Restrict, Evict. */
    String spelling() {
      String n = name().toLowerCase(Locale.ROOT);
      return Character.toUpperCase(n.charAt(0)) + n.substring(1);
    }
  }

  /**
   * The policy {@code spec} says (null: the default), adding what is wrong with it to {@code
   * problems} (the schema refuses most of it; an interval out of bounds is clamped).
   */
  static RunningPodPolicy of(RunningPodsSpec spec, List<String> problems) {
    if (spec == null) {
      return DEFAULT;
    }
    Action action = DEFAULT.action();
    if (spec.getAction() != null) {
      try {
        action = Action.valueOf(spec.getAction().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        problems.add(
            "runningPods.action must be Report, Restrict or Evict, not '" + spec.getAction() + "'");
      }
    }
    Duration interval = DEFAULT.interval();
    if (spec.getInterval() != null) {
      Matcher m = DURATION.matcher(spec.getInterval());
      if (!m.matches() || spec.getInterval().isEmpty()) {
        problems.add(
            "runningPods.interval '" + spec.getInterval() + "' is not a duration such as 5m");
      } else {
        interval = Duration.ofHours(group(m, 1)).plusMinutes(group(m, 2)).plusSeconds(group(m, 3));
        if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
          problems.add(
              "runningPods.interval " + spec.getInterval() + " is outside 30s to 24h; clamped");
          interval = interval.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : MAX_INTERVAL;
        }
      }
    }
    return new RunningPodPolicy(action, interval);
  }

  private static long group(Matcher m, int i) {
    return m.group(i) == null ? 0 : Long.parseLong(m.group(i));
  }
}
