package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/**
 * What to log and how often to checkpoint and verify. Where is the operator's choice: {@code <data
 * dir>/<namespace>/<name>}.
 */
@ValidationRule(
    value = "!has(self.path)",
    message =
        "spec.path is no longer supported: audit logs live at <operator data dir>/<namespace>/<name>"
            + " (docs/operations.md, Upgrade)")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuditLogSpec {
  @Size(max = 16)
  @ValidationRule(
      value =
          "self.all(e, e in ['KeyIssued', 'KeyRotated', 'KeyRevoked', 'StateChanged',"
              + " 'AdmissionAllowed', 'AdmissionDenied', 'GrantIssued', 'GrantRefused',"
              + " 'PodNotCompliant', 'ShareDelivered', 'ShareWithheld'])",
      message =
          "events must be among KeyIssued, KeyRotated, KeyRevoked, StateChanged,"
              + " AdmissionAllowed, AdmissionDenied, GrantIssued, GrantRefused, PodNotCompliant,"
              + " ShareDelivered, ShareWithheld")
  @JsonPropertyDescription("Event types to record; empty means all.")
  private List<String> events = new ArrayList<>();

  @Pattern("^/.*$")
  @Size(max = 1024)
  @JsonPropertyDescription(
      "Removed: a namespaced resource must not choose where the operator writes. Kept in the"
          + " schema so that objects of older releases still read; new ones are refused, and the"
          + " operator reports where the files of an old one belong.")
  private String path;

  @Default("1000")
  @Min(1)
  @Max(1000000)
  @JsonPropertyDescription("Checkpoint after this many records.")
  private Integer checkpointEveryRecords = 1000;

  @Default("60s")
  @Pattern("^([0-9]+(ms|s|m|h))+$")
  @JsonPropertyDescription("Checkpoint at least this often when records are pending.")
  private String checkpointInterval = "60s";

  @Default("10m")
  @Pattern("^([0-9]+(ms|s|m|h))+$")
  @JsonPropertyDescription("Verify the whole log this often.")
  private String verifyInterval = "10m";

  @JsonPropertyDescription(
      "Deprecated and ignored: every checkpoint is signed with the log's Ed25519 key (public key"
          + " in status). Kept so that manifests which set it still apply.")
  private Boolean signCheckpoints;

  @Min(1)
  @JsonPropertyDescription(
      "Retention: keep at most this many segment files (64 MiB each); older ones are dropped"
          + " after their Merkle frontier is saved, so the rest still verifies. Unset: keep all.")
  private Integer retainSegments;

  @JsonPropertyDescription(
      "Secret (this namespace) whose KEKs sealed the audit keys of a log made by an older"
          + " release; the operator moves those keys to its own namespace once. New logs' keys are"
          + " sealed by the operator's own KEK, out of the tenant's reach.")
  @Default("keychain-kek")
  private String kekSecretName = "keychain-kek";

  public List<String> getEvents() {
    return events;
  }

  public void setEvents(List<String> events) {
    this.events = events;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public Integer getCheckpointEveryRecords() {
    return checkpointEveryRecords;
  }

  public void setCheckpointEveryRecords(Integer checkpointEveryRecords) {
    this.checkpointEveryRecords = checkpointEveryRecords;
  }

  public String getCheckpointInterval() {
    return checkpointInterval;
  }

  public void setCheckpointInterval(String checkpointInterval) {
    this.checkpointInterval = checkpointInterval;
  }

  public String getVerifyInterval() {
    return verifyInterval;
  }

  public void setVerifyInterval(String verifyInterval) {
    this.verifyInterval = verifyInterval;
  }

  public Boolean getSignCheckpoints() {
    return signCheckpoints;
  }

  public void setSignCheckpoints(Boolean signCheckpoints) {
    this.signCheckpoints = signCheckpoints;
  }

  public Integer getRetainSegments() {
    return retainSegments;
  }

  public void setRetainSegments(Integer retainSegments) {
    this.retainSegments = retainSegments;
  }

  public String getKekSecretName() {
    return kekSecretName;
  }

  public void setKekSecretName(String kekSecretName) {
    this.kekSecretName = kekSecretName;
  }
}
