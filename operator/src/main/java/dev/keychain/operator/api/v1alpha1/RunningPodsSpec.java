package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * What happens to running pods whose images this whitelist no longer verifies: they are verified
 * again when the whitelist changes and every {@code interval}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunningPodsSpec {
  @Default("Report")
  @ValidationRule(
      value = "self in ['Report', 'Restrict', 'Evict']",
      message = "runningPods.action must be Report, Restrict or Evict")
  @JsonPropertyDescription(
      "Report lists non-compliant pods in the status, a metric, an event and the audit log;"
          + " Restrict also refuses their key-chain agents their keys (they drop them, as in"
          + " Paused); Evict also evicts them through the Eviction API (PodDisruptionBudgets"
          + " apply), so their controllers replace them with pods admission judges again. In"
          + " Audit mode the action is always Report.")
  private String action = "Report";

  @Default("5m")
  @Pattern("^([0-9]+h)?([0-9]+m)?([0-9]+s)?$")
  @JsonPropertyDescription(
      "How often running pods are verified again besides when the whitelist changes, as a"
          + " duration (30s to 24h), e.g. `5m`.")
  private String interval = "5m";

  public String getAction() {
    return action;
  }

  public void setAction(String action) {
    this.action = action;
  }

  public String getInterval() {
    return interval;
  }

  public void setInterval(String interval) {
    this.interval = interval;
  }
}
