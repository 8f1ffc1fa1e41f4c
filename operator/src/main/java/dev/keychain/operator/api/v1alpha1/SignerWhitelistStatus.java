package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * Usability of a whitelist and its latest denial. Decision counts are per replica and are metrics
 * ({@code keychain_admission_whitelist_decisions_total}), not status.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SignerWhitelistStatus extends ObservedStatus {
  @JsonPropertyDescription("Signers whose key ID (and public key, if given) are valid.")
  private Integer usableSigners;

  @JsonPropertyDescription(
      "The latest denial (or, in Audit mode, would-be denial), written by the replica that made it.")
  private LastDenialStatus lastDenial;

  @JsonPropertyDescription(
      "The latest verification of the running pods this whitelist governs, and the first non-compliant ones.")
  private RunningPodsStatus runningPods;

  public RunningPodsStatus getRunningPods() {
    return runningPods;
  }

  public void setRunningPods(RunningPodsStatus runningPods) {
    this.runningPods = runningPods;
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
