package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed and did; key IDs and epochs only, never keys. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeyChainStatus extends ObservedStatus {
  @JsonPropertyDescription("H(Sk): the session key's ID (seed 000's session number).")
  private String sessionNumber;

  @JsonPropertyDescription("ID of the chain root Gk at the current root epoch.")
  private String chainKeyId;

  private Long rootEpoch;

  @JsonPropertyDescription("The KEK that seals this chain's stored keys.")
  private String kekId;

  private Integer groupCount;
  private List<GroupStatus> groups = new ArrayList<>();

  @JsonPropertyDescription("The last rotation.requestId acted on.")
  private String lastRotationRequestId;

  public String getSessionNumber() {
    return sessionNumber;
  }

  public void setSessionNumber(String sessionNumber) {
    this.sessionNumber = sessionNumber;
  }

  public String getChainKeyId() {
    return chainKeyId;
  }

  public void setChainKeyId(String chainKeyId) {
    this.chainKeyId = chainKeyId;
  }

  public Long getRootEpoch() {
    return rootEpoch;
  }

  public void setRootEpoch(Long rootEpoch) {
    this.rootEpoch = rootEpoch;
  }

  public String getKekId() {
    return kekId;
  }

  public void setKekId(String kekId) {
    this.kekId = kekId;
  }

  public Integer getGroupCount() {
    return groupCount;
  }

  public void setGroupCount(Integer groupCount) {
    this.groupCount = groupCount;
  }

  public List<GroupStatus> getGroups() {
    return groups;
  }

  public void setGroups(List<GroupStatus> groups) {
    this.groups = groups;
  }

  public String getLastRotationRequestId() {
    return lastRotationRequestId;
  }

  public void setLastRotationRequestId(String lastRotationRequestId) {
    this.lastRotationRequestId = lastRotationRequestId;
  }
}
