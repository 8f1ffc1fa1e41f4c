package dev.keychain.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds status conditions in the standard shape (type, status, CamelCase reason, message,
 * lastTransitionTime, observedGeneration). The transition time moves only when the status of a
 * condition really changes, as the Kubernetes API conventions ask.
 */
public final class Conditions {
  public static final String READY = "Ready";

  private Conditions() {}

  public static List<Condition> set(
      List<Condition> existing,
      String type,
      boolean status,
      String reason,
      String message,
      Long generation) {
    List<Condition> next = new ArrayList<>();
    String statusText = status ? "True" : "False";
    String transition = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    if (existing != null) {
      for (Condition c : existing) {
        if (type.equals(c.getType())) {
          if (statusText.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
            transition = c.getLastTransitionTime();
          }
        } else {
          next.add(c);
        }
      }
    }
    next.add(
        new ConditionBuilder()
            .withType(type)
            .withStatus(statusText)
            .withReason(reason)
            .withMessage(message)
            .withLastTransitionTime(transition)
            .withObservedGeneration(generation)
            .build());
    next.sort(java.util.Comparator.comparing(Condition::getType));
    return next;
  }

  /** Whether {@code type} is already False for {@code reason} (so the problem was reported). */
  public static boolean isFalseFor(List<Condition> conditions, String type, String reason) {
    return conditions != null
        && conditions.stream()
            .anyMatch(
                c ->
                    type.equals(c.getType())
                        && "False".equals(c.getStatus())
                        && reason.equals(c.getReason()));
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return conditions != null
        && conditions.stream()
            .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
