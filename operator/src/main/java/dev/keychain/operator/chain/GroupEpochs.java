package dev.keychain.operator.chain;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pure rules for a chain's group epochs: following the spec's group list, and two-phase rotation.
 *
 * <p>Phase one ({@link #issue}) records the next epoch as pending, durably, before anything uses
 * it; phase two ({@link #commit}) makes it current. An operator that dies between the two finds the
 * pending epoch on restart and commits it: a rotation happens once, whatever fails when.
 */
public final class GroupEpochs {
  private static final Pattern DURATION_PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

  private GroupEpochs() {}

  /** Adds new groups at epoch 0, brings re-added groups back at a new epoch, marks dropped ones. */
  public static ChainState follow(ChainState state, Collection<String> specGroups, Instant now) {
    ChainState next = state;
    for (String name : specGroups) {
      ChainState.Group g = next.groups().get(name);
      if (g == null) {
        next = next.withGroup(name, new ChainState.Group(0, null, now.toString(), null));
      } else if (g.isRemoved()) {
        next =
            next.withGroup(name, new ChainState.Group(g.epoch() + 1, null, now.toString(), null));
      }
    }
    for (Map.Entry<String, ChainState.Group> e : state.groups().entrySet()) {
      if (!specGroups.contains(e.getKey()) && !e.getValue().isRemoved()) {
        ChainState.Group g = e.getValue();
        next =
            next.withGroup(e.getKey(), new ChainState.Group(g.epoch(), null, g.rotatedAt(), true));
      }
    }
    return next;
  }

  /** Phase one: the groups' next epochs become pending; the request ID is recorded with them. */
  public static ChainState issue(ChainState state, Set<String> groups, String requestId) {
    ChainState next = state;
    for (String name : groups) {
      ChainState.Group g = next.groups().get(name);
      if (g != null && !g.isRemoved() && g.pendingEpoch() == null) {
        next =
            next.withGroup(
                name, new ChainState.Group(g.epoch(), g.epoch() + 1, g.rotatedAt(), null));
      }
    }
    return requestId == null ? next : next.withLastRotationRequestId(requestId);
  }

  /** Phase two: pending epochs become current. Returns the groups it rotated. */
  public static ChainState commit(ChainState state, Instant now, Set<String> rotated) {
    ChainState next = state;
    for (Map.Entry<String, ChainState.Group> e : state.groups().entrySet()) {
      ChainState.Group g = e.getValue();
      if (g.pendingEpoch() != null) {
        next =
            next.withGroup(
                e.getKey(),
                new ChainState.Group(g.pendingEpoch(), null, now.toString(), g.removed()));
        rotated.add(e.getKey());
      }
    }
    return next;
  }

  /** Active groups whose key is older than {@code period}. */
  public static Set<String> due(ChainState state, Duration period, Instant now) {
    Set<String> due = new HashSet<>();
    state
        .groups()
        .forEach(
            (name, g) -> {
              if (!g.isRemoved() && !Instant.parse(g.rotatedAt()).plus(period).isAfter(now)) {
                due.add(name);
              }
            });
    return due;
  }

  /** When the next scheduled rotation falls due (or null when none is scheduled). */
  public static Instant nextDue(ChainState state, Duration period) {
    return state.groups().values().stream()
        .filter(g -> !g.isRemoved())
        .map(g -> Instant.parse(g.rotatedAt()).plus(period))
        .min(Instant::compareTo)
        .orElse(null);
  }

  /** Parses a Go-style duration such as {@code 720h} or {@code 1h30m}. */
  public static Duration parseDuration(String text) {
    Matcher m = DURATION_PART.matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      end = m.end();
      double amount = Double.parseDouble(m.group(1));
      long millis =
          switch (m.group(2)) {
            case "ms" -> (long) amount;
            case "s" -> (long) (amount * 1_000);
            case "m" -> (long) (amount * 60_000);
            default -> (long) (amount * 3_600_000);
          };
      total = total.plusMillis(millis);
    }
    if (end != text.length() || end == 0 || total.isZero()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration such as 720h or 1h30m");
    }
    return total;
  }
}
