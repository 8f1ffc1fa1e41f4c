package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One agent (pod) of an instance. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentStatus {
  private String pod;
  private Integer agentNumber;
  private String keyId;
  private Long epoch;
  private Boolean restricted;
  private String lastSeen;

  @JsonPropertyDescription(
      "With spec.signerWhitelist: Verified, NotVerified (the agent is refused its key) or Pending (no digest reported yet, or the whitelist or registry not reachable).")
  private String images;

  @JsonPropertyDescription("Why the pod's images are not verified (or not yet).")
  private String imagesMessage;

  public String getImages() {
    return images;
  }

  public void setImages(String images) {
    this.images = images;
  }

  public String getImagesMessage() {
    return imagesMessage;
  }

  public void setImagesMessage(String imagesMessage) {
    this.imagesMessage = imagesMessage;
  }

  public String getPod() {
    return pod;
  }

  public void setPod(String pod) {
    this.pod = pod;
  }

  public Integer getAgentNumber() {
    return agentNumber;
  }

  public void setAgentNumber(Integer agentNumber) {
    this.agentNumber = agentNumber;
  }

  public String getKeyId() {
    return keyId;
  }

  public void setKeyId(String keyId) {
    this.keyId = keyId;
  }

  public Long getEpoch() {
    return epoch;
  }

  public void setEpoch(Long epoch) {
    this.epoch = epoch;
  }

  public Boolean getRestricted() {
    return restricted;
  }

  public void setRestricted(Boolean restricted) {
    this.restricted = restricted;
  }

  public String getLastSeen() {
    return lastSeen;
  }

  public void setLastSeen(String lastSeen) {
    this.lastSeen = lastSeen;
  }
}
