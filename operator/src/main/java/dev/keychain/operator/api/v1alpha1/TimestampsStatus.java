package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Table 6's cumulative timestamps (RFC 3339). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TimestampsStatus {
  @JsonPropertyDescription("n: created")
  private String created;

  @JsonPropertyDescription("c: last state change")
  private String changed;

  @JsonPropertyDescription("d: deleted")
  private String deleted;

  @JsonPropertyDescription("m: last move between groups")
  private String moved;

  @JsonPropertyDescription("l: last modification of any kind")
  private String last;

  public String getCreated() {
    return created;
  }

  public void setCreated(String created) {
    this.created = created;
  }

  public String getChanged() {
    return changed;
  }

  public void setChanged(String changed) {
    this.changed = changed;
  }

  public String getDeleted() {
    return deleted;
  }

  public void setDeleted(String deleted) {
    this.deleted = deleted;
  }

  public String getMoved() {
    return moved;
  }

  public void setMoved(String moved) {
    this.moved = moved;
  }

  public String getLast() {
    return last;
  }

  public void setLast(String last) {
    this.last = last;
  }
}
