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

/** What to log, where, and how often to checkpoint and verify. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuditLogSpec {
  @Size(max = 16)
  @ValidationRule(
      value =
          "self.all(e, e in ['KeyIssued', 'KeyRotated', 'KeyRevoked', 'StateChanged',"
              + " 'AdmissionAllowed', 'AdmissionDenied'])",
      message =
          "events must be among KeyIssued, KeyRotated, KeyRevoked, StateChanged,"
              + " AdmissionAllowed, AdmissionDenied")
  @JsonPropertyDescription("Event types to record; empty means all.")
  private List<String> events = new ArrayList<>();

  @Pattern("^/.*$")
  @Size(max = 1024)
  @JsonPropertyDescription(
      "Directory (on a persistent volume) for the log's segment files; default"
          + " <operator data dir>/<namespace>/<name>.")
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
      "Also sign every checkpoint with an Ed25519 key (public key in status), so that anyone can"
          + " verify a copy of the log offline.")
  private Boolean signCheckpoints = false;

  @Min(1)
  @JsonPropertyDescription(
      "Retention: keep at most this many segment files (64 MiB each); older ones are dropped"
          + " after their Merkle frontier is saved, so the rest still verifies. Unset: keep all.")
  private Integer retainSegments;

  @JsonPropertyDescription("Secret (this namespace) holding the KEKs that seal the audit keys.")
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
