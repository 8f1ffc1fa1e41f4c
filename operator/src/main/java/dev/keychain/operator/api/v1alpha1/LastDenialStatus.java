package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The latest denial this whitelist caused. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LastDenialStatus {
  @JsonPropertyDescription("When.")
  private String time;

  @JsonPropertyDescription("Namespace of the denied object.")
  private String namespace;

  @JsonPropertyDescription("Kind/name of the denied object.")
  private String object;

  @JsonPropertyDescription("The denial message (image, digest, key IDs, why).")
  private String message;

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getObject() {
    return object;
  }

  public void setObject(String object) {
    this.object = object;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
