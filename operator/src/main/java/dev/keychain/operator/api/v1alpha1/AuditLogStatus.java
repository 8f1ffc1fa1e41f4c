package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A projection of the log's trust store (a Secret in the operator's namespace) and of the open log:
 * rewritten from them at every reconcile, never read back to decide anything.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuditLogStatus extends ObservedStatus {
  private Long treeSize;
  private String rootHash;

  @JsonPropertyDescription(
      "The trusted head, cp1.<size>.<root>.<keyIndex>.<millis>.<mac>, as kept in the operator's"
          + " namespace (a copy: take the head for an offline check from there or from headNote)")
  private String lastCheckpoint;

  @JsonPropertyDescription(
      "The trusted head as a C2SP signed-note checkpoint (keychain-audit-verify --head-note)")
  private String headNote;

  @JsonPropertyDescription("Verifier key of headNote (name+hash+key), for --note-key")
  private String noteVerifierKey;

  @JsonPropertyDescription(
      "Ed25519 public key (hex) of the log's signing key: checkpoint signatures and head notes")
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

  public String getHeadNote() {
    return headNote;
  }

  public void setHeadNote(String headNote) {
    this.headNote = headNote;
  }

  public String getNoteVerifierKey() {
    return noteVerifierKey;
  }

  public void setNoteVerifierKey(String noteVerifierKey) {
    this.noteVerifierKey = noteVerifierKey;
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
