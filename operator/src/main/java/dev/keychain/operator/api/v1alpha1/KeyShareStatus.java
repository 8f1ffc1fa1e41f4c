package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** The current version of the share, projected from its store of record. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeyShareStatus extends ObservedStatus {
  @JsonPropertyDescription("The current version (1, 2, ...): a new one-time key each.")
  private Long version;

  @JsonPropertyDescription("The key ID of the current version's one-time key (never the key).")
  private String keyId;

  @JsonPropertyDescription("When the current version was made.")
  private String versionedAt;

  @JsonPropertyDescription("Each recipient: whether it receives the current version, and why not.")
  private List<ShareRecipientStatus> recipients = new ArrayList<>();

  @JsonPropertyDescription("The owner's agents and how many hold the current version.")
  private ShareRecipientStatus owner;

  public ShareRecipientStatus getOwner() {
    return owner;
  }

  public void setOwner(ShareRecipientStatus owner) {
    this.owner = owner;
  }

  public Long getVersion() {
    return version;
  }

  public void setVersion(Long version) {
    this.version = version;
  }

  public String getKeyId() {
    return keyId;
  }

  public void setKeyId(String keyId) {
    this.keyId = keyId;
  }

  public String getVersionedAt() {
    return versionedAt;
  }

  public void setVersionedAt(String versionedAt) {
    this.versionedAt = versionedAt;
  }

  public List<ShareRecipientStatus> getRecipients() {
    return recipients;
  }

  public void setRecipients(List<ShareRecipientStatus> recipients) {
    this.recipients = recipients;
  }
}
