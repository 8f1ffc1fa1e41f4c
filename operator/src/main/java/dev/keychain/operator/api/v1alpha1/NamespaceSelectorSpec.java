package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/**
 * A label selector over namespaces, as metav1.LabelSelector, with bounds so that the API server can
 * check its expressions (CEL rules over unbounded lists exceed the cost budget).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NamespaceSelectorSpec {
  @Size(max = 32)
  @JsonPropertyDescription("Labels a namespace must have, all of them.")
  private Map<String, String> matchLabels;

  @Size(max = 16)
  @JsonPropertyDescription("Requirements a namespace's labels must meet, all of them.")
  private List<SelectorRequirementSpec> matchExpressions;

  public Map<String, String> getMatchLabels() {
    return matchLabels;
  }

  public void setMatchLabels(Map<String, String> matchLabels) {
    this.matchLabels = matchLabels;
  }

  public List<SelectorRequirementSpec> getMatchExpressions() {
    return matchExpressions;
  }

  public void setMatchExpressions(List<SelectorRequirementSpec> matchExpressions) {
    this.matchExpressions = matchExpressions;
  }

  /** The same selector in fabric8's model. */
  public LabelSelector toLabelSelector() {
    return new LabelSelector(
        matchExpressions == null
            ? null
            : matchExpressions.stream()
                .map(e -> new LabelSelectorRequirement(e.getKey(), e.getOperator(), e.getValues()))
                .toList(),
        matchLabels);
  }
}
