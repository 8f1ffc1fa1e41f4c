package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One agent (pod) of an instance. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentStatus {
  private String pod;
  private Integer agentNumber;
  private String keyId;
  private Long epoch;
  private Boolean restricted;
  private String lastSeen;

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
