package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** The latest verification of the running pods a whitelist governs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunningPodsStatus {
  @JsonPropertyDescription("When the running pods were last verified.")
  private String verifiedAt;

  @JsonPropertyDescription("The whitelist generation they were verified against.")
  private Long generation;

  @JsonPropertyDescription("The action taken on non-compliant pods: Report, Restrict or Evict.")
  private String action;

  @JsonPropertyDescription("Running pods with at least one container this whitelist governs.")
  private Integer governed;

  @JsonPropertyDescription("Governed pods running an image this whitelist does not verify.")
  private Integer nonCompliant;

  @JsonPropertyDescription(
      "Governed pods that could not be verified now (registry or notary unavailable); never"
          + " acted on.")
  private Integer undecided;

  @JsonPropertyDescription("The first non-compliant pods (at most 10), with why and what was done.")
  private List<NonCompliantPodStatus> pods = new ArrayList<>();

  public String getVerifiedAt() {
    return verifiedAt;
  }

  public void setVerifiedAt(String verifiedAt) {
    this.verifiedAt = verifiedAt;
  }

  public Long getGeneration() {
    return generation;
  }

  public void setGeneration(Long generation) {
    this.generation = generation;
  }

  public String getAction() {
    return action;
  }

  public void setAction(String action) {
    this.action = action;
  }

  public Integer getGoverned() {
    return governed;
  }

  public void setGoverned(Integer governed) {
    this.governed = governed;
  }

  public Integer getNonCompliant() {
    return nonCompliant;
  }

  public void setNonCompliant(Integer nonCompliant) {
    this.nonCompliant = nonCompliant;
  }

  public Integer getUndecided() {
    return undecided;
  }

  public void setUndecided(Integer undecided) {
    this.undecided = undecided;
  }

  public List<NonCompliantPodStatus> getPods() {
    return pods;
  }

  public void setPods(List<NonCompliantPodStatus> pods) {
    this.pods = pods;
  }
}
