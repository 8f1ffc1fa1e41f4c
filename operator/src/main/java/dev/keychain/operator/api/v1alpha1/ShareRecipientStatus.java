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
