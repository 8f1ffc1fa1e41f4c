package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Decisions and usability of a whitelist. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SignerWhitelistStatus extends ObservedStatus {
  @JsonPropertyDescription("Images admitted under this whitelist since the operator started.")
  private Long allowed;

  @JsonPropertyDescription("Images denied (or, in Audit mode, flagged) since the operator started.")
  private Long denied;

  @JsonPropertyDescription("Signers whose key ID (and public key, if given) are valid.")
  private Integer usableSigners;

  @JsonPropertyDescription("The latest denial.")
  private LastDenialStatus lastDenial;

  public Long getAllowed() {
    return allowed;
  }

  public void setAllowed(Long allowed) {
    this.allowed = allowed;
  }

  public Long getDenied() {
    return denied;
  }

  public void setDenied(Long denied) {
    this.denied = denied;
  }

  public Integer getUsableSigners() {
    return usableSigners;
  }

  public void setUsableSigners(Integer usableSigners) {
    this.usableSigners = usableSigners;
  }

  public LastDenialStatus getLastDenial() {
    return lastDenial;
  }

  public void setLastDenial(LastDenialStatus lastDenial) {
    this.lastDenial = lastDenial;
  }
}
