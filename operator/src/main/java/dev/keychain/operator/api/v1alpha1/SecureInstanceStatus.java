package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.keychain.core.lifecycle.InstanceState;
import java.util.ArrayList;
import java.util.List;

/** The instance's row of the authorization table, as observed. Key IDs and epochs only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecureInstanceStatus extends ObservedStatus {
  @JsonPropertyDescription("H(Sk) of the chain the instance's keys come from.")
  private String sessionNumber;

  private InstanceState state;

  @JsonPropertyDescription("1 = MAGT, 2 = IMT, 3 = AGT; instance keys are AGT keys.")
  private Integer authorityLevel;

  private String clusterGroup;
  private Boolean restricted;

  @JsonPropertyDescription("The group key epoch the instance's sub keys derive from.")
  private Long groupEpoch;

  @JsonPropertyDescription("The sub-key epoch of the instance (raised by Restart).")
  private Long subKeyEpoch;

  @JsonPropertyDescription("Sub-key epoch issued by a rotation not yet completed (two-phase).")
  private Long pendingSubKeyEpoch;

  @JsonPropertyDescription("The generation whose Restart request was carried out.")
  private Long restartedGeneration;

  private Integer agentCount;
  private List<AgentStatus> agents = new ArrayList<>();
  private TimestampsStatus timestamps;

  public String getSessionNumber() {
    return sessionNumber;
  }

  public void setSessionNumber(String sessionNumber) {
    this.sessionNumber = sessionNumber;
  }

  public InstanceState getState() {
    return state;
  }

  public void setState(InstanceState state) {
    this.state = state;
  }

  public Integer getAuthorityLevel() {
    return authorityLevel;
  }

  public void setAuthorityLevel(Integer authorityLevel) {
    this.authorityLevel = authorityLevel;
  }

  public String getClusterGroup() {
    return clusterGroup;
  }

  public void setClusterGroup(String clusterGroup) {
    this.clusterGroup = clusterGroup;
  }

  public Boolean getRestricted() {
    return restricted;
  }

  public void setRestricted(Boolean restricted) {
    this.restricted = restricted;
  }

  public Long getGroupEpoch() {
    return groupEpoch;
  }

  public void setGroupEpoch(Long groupEpoch) {
    this.groupEpoch = groupEpoch;
  }

  public Long getSubKeyEpoch() {
    return subKeyEpoch;
  }

  public void setSubKeyEpoch(Long subKeyEpoch) {
    this.subKeyEpoch = subKeyEpoch;
  }

  public Long getPendingSubKeyEpoch() {
    return pendingSubKeyEpoch;
  }

  public void setPendingSubKeyEpoch(Long pendingSubKeyEpoch) {
    this.pendingSubKeyEpoch = pendingSubKeyEpoch;
  }

  public Long getRestartedGeneration() {
    return restartedGeneration;
  }

  public void setRestartedGeneration(Long restartedGeneration) {
    this.restartedGeneration = restartedGeneration;
  }

  public Integer getAgentCount() {
    return agentCount;
  }

  public void setAgentCount(Integer agentCount) {
    this.agentCount = agentCount;
  }

  public List<AgentStatus> getAgents() {
    return agents;
  }

  public void setAgents(List<AgentStatus> agents) {
    this.agents = agents;
  }

  public TimestampsStatus getTimestamps() {
    return timestamps;
  }

  public void setTimestamps(TimestampsStatus timestamps) {
    this.timestamps = timestamps;
  }
}
