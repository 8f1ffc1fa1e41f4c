package dev.keychain.core.audit;

import java.util.Arrays;
import java.util.List;

/**
 * What an audit record is about. Stored by its wire name (the names logs have always carried), so
 * logs written before this type existed read the same; Kubernetes event reasons are free text and
 * never decide the type.
 */
public enum AuditEventType {
  KEY_ISSUED("KeyIssued", true),
  KEY_ROTATED("KeyRotated", true),
  KEY_REVOKED("KeyRevoked", true),
  STATE_CHANGED("StateChanged", true),
  ADMISSION_ALLOWED("AdmissionAllowed", true),
  ADMISSION_DENIED("AdmissionDenied", true),
  /** An agent was served its sub key (enrolment or refresh), with the epoch served. */
  GRANT_ISSUED("GrantIssued", true),
  /** An agent was refused its key, with the reason (restricted, revoked, unavailable). */
  GRANT_REFUSED("GrantRefused", true),
  /**
   * A running pod a whitelist no longer verifies, and what was done (reported, restricted,
   * evicted).
   */
  POD_NOT_COMPLIANT("PodNotCompliant", true),
  /** A KeyShare version was served to an agent, by share, version and one-time key ID. */
  SHARE_DELIVERED("ShareDelivered", true),
  /** A KeyShare version an agent is entitled to could not be served, and why. */
  SHARE_WITHHELD("ShareWithheld", true),
  /** A retention prune, stated before it happens (see {@link PruneRecord}). */
  LOG_PRUNED("LogPruned", false),
  /** Where a log written unsigned began to be signed (see {@link SigningStartedRecord}). */
  SIGNING_STARTED("SigningStarted", false);

  private final String wireName;
  private final boolean selectable;

  AuditEventType(String wireName, boolean selectable) {
    this.wireName = wireName;
    this.selectable = selectable;
  }

  /** The name records carry and AuditLogs select by. */
  public String wireName() {
    return wireName;
  }

  /**
   * Whether an AuditLog can select this type; the log's records about itself are always written.
   */
  public boolean selectable() {
    return selectable;
  }

  /** The wire names an AuditLog can select, in declaration order. */
  public static List<String> selectableNames() {
    return Arrays.stream(values())
        .filter(AuditEventType::selectable)
        .map(AuditEventType::wireName)
        .toList();
  }

  /**
   * @throws IllegalArgumentException naming the unknown type
   */
  public static AuditEventType fromWireName(String name) {
    for (AuditEventType t : values()) {
      if (t.wireName.equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown audit event type " + name);
  }

  @Override
  public String toString() {
    return wireName;
  }
}
