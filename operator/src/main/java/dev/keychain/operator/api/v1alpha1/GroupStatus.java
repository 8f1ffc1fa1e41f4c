package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One cluster group's key: ID, epoch, last rotation, and how many instances use it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GroupStatus {
  private String name;
  private String keyId;
  private Long epoch;
  private String rotatedAt;
  private Integer members;

  public GroupStatus() {}

  public GroupStatus(String name, String keyId, long epoch, String rotatedAt, int members) {
    this.name = name;
    this.keyId = keyId;
    this.epoch = epoch;
    this.rotatedAt = rotatedAt;
    this.members = members;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
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

  public String getRotatedAt() {
    return rotatedAt;
  }

  public void setRotatedAt(String rotatedAt) {
    this.rotatedAt = rotatedAt;
  }

  public Integer getMembers() {
    return members;
  }

  public void setMembers(Integer members) {
    this.members = members;
  }
}
