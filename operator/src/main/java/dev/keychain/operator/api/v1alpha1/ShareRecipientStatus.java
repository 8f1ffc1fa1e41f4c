package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One recipient of a share. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ShareRecipientStatus {
  @JsonPropertyDescription("namespace/instance.")
  private String instance;

  @JsonPropertyDescription("Whether the current version is for it.")
  private Boolean included;

  @JsonPropertyDescription("Why not, when it is not.")
  private String message;

  @JsonPropertyDescription("Pods with an agent of this instance.")
  private Integer pods;

  @JsonPropertyDescription(
      "Of those, how many were served the current version (their acknowledgement).")
  private Integer acknowledged;

  public Integer getPods() {
    return pods;
  }

  public void setPods(Integer pods) {
    this.pods = pods;
  }

  public Integer getAcknowledged() {
    return acknowledged;
  }

  public void setAcknowledged(Integer acknowledged) {
    this.acknowledged = acknowledged;
  }

  public String getInstance() {
    return instance;
  }

  public void setInstance(String instance) {
    this.instance = instance;
  }

  public Boolean getIncluded() {
    return included;
  }

  public void setIncluded(Boolean included) {
    this.included = included;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
