package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The log's head as the operator last saw it; the checkpoint here survives in the API server. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuditLogStatus extends ObservedStatus {
  private Long treeSize;
  private String rootHash;

  @JsonPropertyDescription(
      "Last checkpoint, cp1.<size>.<root>.<keyIndex>.<millis>.<mac>: the trusted head for"
          + " verifying a copy of the log (keychain-audit-verify --head).")
  private String lastCheckpoint;

  @JsonPropertyDescription("Ed25519 public key (hex) of the checkpoint signatures, if signed.")
  private String checkpointPublicKey;

  private Long lastCheckpointSize;
  private Long keyIndex;
  private String lastCheckpointTime;
  private String lastVerificationTime;
  private String lastVerificationResult;

  public Long getTreeSize() {
    return treeSize;
  }

  public void setTreeSize(Long treeSize) {
    this.treeSize = treeSize;
  }

  public String getRootHash() {
    return rootHash;
  }

  public void setRootHash(String rootHash) {
    this.rootHash = rootHash;
  }

  public String getLastCheckpoint() {
    return lastCheckpoint;
  }

  public void setLastCheckpoint(String lastCheckpoint) {
    this.lastCheckpoint = lastCheckpoint;
  }

  public String getCheckpointPublicKey() {
    return checkpointPublicKey;
  }

  public void setCheckpointPublicKey(String checkpointPublicKey) {
    this.checkpointPublicKey = checkpointPublicKey;
  }

  public Long getLastCheckpointSize() {
    return lastCheckpointSize;
  }

  public void setLastCheckpointSize(Long lastCheckpointSize) {
    this.lastCheckpointSize = lastCheckpointSize;
  }

  public Long getKeyIndex() {
    return keyIndex;
  }

  public void setKeyIndex(Long keyIndex) {
    this.keyIndex = keyIndex;
  }

  public String getLastCheckpointTime() {
    return lastCheckpointTime;
  }

  public void setLastCheckpointTime(String lastCheckpointTime) {
    this.lastCheckpointTime = lastCheckpointTime;
  }

  public String getLastVerificationTime() {
    return lastVerificationTime;
  }

  public void setLastVerificationTime(String lastVerificationTime) {
    this.lastVerificationTime = lastVerificationTime;
  }

  public String getLastVerificationResult() {
    return lastVerificationResult;
  }

  public void setLastVerificationResult(String lastVerificationResult) {
    this.lastVerificationResult = lastVerificationResult;
  }
}
