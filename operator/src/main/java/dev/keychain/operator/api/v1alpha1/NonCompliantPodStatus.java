package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A running pod whose images a whitelist does not verify. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NonCompliantPodStatus {
  @JsonPropertyDescription("The pod's namespace.")
  private String namespace;

  @JsonPropertyDescription("The pod's name.")
  private String name;

  @JsonPropertyDescription("Which container runs what, and why it is not verified.")
  private String message;

  @JsonPropertyDescription(
      "What was done: Reported, Restricted, Evicted, EvictionBlocked (a PodDisruptionBudget"
          + " refused it; retried) or EvictionFailed.")
  private String action;

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getAction() {
    return action;
  }

  public void setAction(String action) {
    this.action = action;
  }
}
