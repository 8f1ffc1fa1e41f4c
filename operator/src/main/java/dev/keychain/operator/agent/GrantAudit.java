package dev.keychain.operator.agent;

import dev.keychain.core.audit.AuditEvent;
import dev.keychain.core.audit.AuditEventType;
import dev.keychain.core.audit.AuditSink;
import dev.keychain.core.audit.AuditUnwritableException;
import dev.keychain.core.auth.AuthFailure;
import dev.keychain.operator.audit.AuditTrust;
import dev.keychain.operator.pods.AgentPodAnnotations;
import dev.keychain.operator.share.ShareDeliveries;
import io.fabric8.kubernetes.api.model.Pod;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every grant decision for an agent is an audit record, in the audit logs of the agent's namespace:
 * what was served (key ID and epochs, never the key) or why it was refused. A refusal before the
 * agent is known (a token that does not review) goes to the operator's own namespace.
 */
@Singleton
public class GrantAudit {
  private final AuditSink audit;
  private final AuditTrust trust;

  public GrantAudit(AuditSink audit, AuditTrust trust) {
    this.audit = audit;
    this.trust = trust;
  }

  /** A sub key served; {@code refresh} when the agent had been served one before. */
  void granted(AgentGrants.Decided d, boolean refresh) {
    Pod pod = d.pod();
    Map<String, String> attributes = identity(pod);
    attributes.put("keyId", d.keyId());
    attributes.put("group", d.group());
    attributes.put("rootEpoch", Long.toString(d.grant().epochs().rootEpoch()));
    attributes.put("groupEpoch", Long.toString(d.grant().epochs().groupEpoch()));
    attributes.put("subKeyEpoch", Long.toString(d.epoch()));
    record(
        AuditEventType.GRANT_ISSUED,
        pod.getMetadata().getNamespace(),
        pod.getMetadata().getName(),
        refresh ? "Refreshed" : "Enrolled",
        "sub key of epoch " + d.epoch() + " served to the agent of " + pod.getMetadata().getName(),
        attributes);
  }

  /**
   * The share versions served with a grant and those withheld, one record each (by share, version
   * and one-time key ID, never the key or item), written after the grant's own record. Throws like
   * {@link #granted}: unaudited, unserved.
   */
  void shares(AgentGrants.Decided d, ShareDeliveries.Deliveries deliveries) {
    Pod pod = d.pod();
    for (ShareDeliveries.Served s : deliveries.served()) {
      var binding = s.delivery().binding();
      Map<String, String> attributes = identity(pod);
      attributes.put("share", s.id());
      attributes.put("version", Long.toString(binding.version()));
      attributes.put("keyId", s.keyId());
      attributes.put("owner", binding.ownerId());
      record(
          AuditEventType.SHARE_DELIVERED,
          pod.getMetadata().getNamespace(),
          pod.getMetadata().getName(),
          "Delivered",
          "share "
              + s.id()
              + " v"
              + binding.version()
              + " served to the agent of "
              + pod.getMetadata().getName(),
          attributes);
    }
    for (var w : deliveries.withheld()) {
      Map<String, String> attributes = identity(pod);
      attributes.put("share", w.id());
      record(
          AuditEventType.SHARE_WITHHELD,
          pod.getMetadata().getNamespace(),
          pod.getMetadata().getName(),
          "Withheld",
          "share " + w.id() + " not served now: " + w.reason(),
          attributes);
    }
  }

  /**
   * A grant refused, with its reason; {@code pod} is empty when the agent is not known. A refusal
   * that cannot be audited is still a refusal (counted as lost).
   */
  void refused(Optional<Pod> pod, AuthFailure failure) {
    Map<String, String> attributes = pod.map(GrantAudit::identity).orElseGet(TreeMap::new);
    try {
      record(
          AuditEventType.GRANT_REFUSED,
          pod.map(p -> p.getMetadata().getNamespace()).orElse(trust.namespace()),
          pod.map(p -> p.getMetadata().getName()).orElse(""),
          failure.reason().name(),
          failure.detail(),
          attributes);
    } catch (AuditUnwritableException e) {
      // the refusal stands; the log's failure is counted and logged where it happened
    }
  }

  private void record(
      AuditEventType type,
      String namespace,
      String name,
      String reason,
      String message,
      Map<String, String> attributes) {
    audit.record(
        new AuditEvent(type, Instant.now(), namespace, "Pod", name, reason, message, attributes));
  }

  private static Map<String, String> identity(Pod pod) {
    Map<String, String> attributes = new TreeMap<>();
    attributes.put("podUid", pod.getMetadata().getUid());
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    if (annotations != null && annotations.get(AgentPodAnnotations.INSTANCE) != null) {
      attributes.put("instance", annotations.get(AgentPodAnnotations.INSTANCE));
    }
    return attributes;
  }
}
