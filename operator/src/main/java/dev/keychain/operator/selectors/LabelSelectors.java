package dev.keychain.operator.selectors;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/** Label selector matching as the API server defines it (matchLabels and matchExpressions). */
public final class LabelSelectors {
  private LabelSelectors() {}

  /**
   * Whether {@code selector} constrains anything: an empty one (no labels, no expressions) selects
   * everything, as in the API server.
   */
  public static boolean selectsSome(LabelSelector selector) {
    return (selector.getMatchLabels() != null && !selector.getMatchLabels().isEmpty())
        || (selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty());
  }

  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> have = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(have.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        String value = have.get(r.getKey());
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        boolean ok =
            switch (r.getOperator()) {
              case "In" -> value != null && values.contains(value);
              case "NotIn" -> value == null || !values.contains(value);
              case "Exists" -> have.containsKey(r.getKey());
              case "DoesNotExist" -> !have.containsKey(r.getKey());
              default -> false;
            };
        if (!ok) {
          return false;
        }
      }
    }
    // An empty selector selects nothing here: an instance must name its pods.
    return selectsSome(selector);
  }
}
