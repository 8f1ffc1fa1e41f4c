package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** Scheduled and on-demand rotation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RotationSpec {
  static final String DURATION = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

  @Pattern(DURATION)
  @JsonPropertyDescription(
      "Rotate every group key this often (a Go-style duration such as 720h); unset: never.")
  private String groupKeyPeriod;

  @Pattern("^[A-Za-z0-9._:-]{1,63}$")
  @JsonPropertyDescription(
      "Change this value (any token, e.g. a date) to rotate every group key now, once.")
  private String requestId;

  public String getGroupKeyPeriod() {
    return groupKeyPeriod;
  }

  public void setGroupKeyPeriod(String groupKeyPeriod) {
    this.groupKeyPeriod = groupKeyPeriod;
  }

  public String getRequestId() {
    return requestId;
  }

  public void setRequestId(String requestId) {
    this.requestId = requestId;
  }
}
