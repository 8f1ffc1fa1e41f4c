package dev.keychain.operator.status;

import dev.keychain.core.audit.AuditEvent;
import dev.keychain.core.audit.AuditSink;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events for what users should see (key issued, rotated, restricted, revoked). Messages
 * name key IDs and epochs, never keys. A failure to record an event never fails a reconcile.
 */
@Singleton
public class KubernetesEvents {
  private static final Logger LOG = Logger.getLogger(KubernetesEvents.class);

  /** Which audit event type each event reason is recorded as. */
  private static final java.util.Map<String, String> AUDIT_TYPES =
      java.util.Map.ofEntries(
          java.util.Map.entry("ChainCreated", "KeyIssued"),
          java.util.Map.entry("GroupKeyRotated", "KeyRotated"),
          java.util.Map.entry("KeysRewrapped", "KeyRotated"),
          java.util.Map.entry("SubKeysRotating", "KeyRotated"),
          java.util.Map.entry("MovedGroup", "KeyRotated"),
          java.util.Map.entry("ChainRevoked", "KeyRevoked"),
          java.util.Map.entry("KeysRevoked", "KeyRevoked"));

  private final KubernetesClient client;
  private final AuditSink audit;

  public KubernetesEvents(KubernetesClient client, AuditSink audit) {
    this.client = client;
    this.audit = audit;
  }

  public void normal(HasMetadata object, String reason, String message) {
    record(object, "Normal", reason, message);
  }

  public void warning(HasMetadata object, String reason, String message) {
    record(object, "Warning", reason, message);
  }

  private void record(HasMetadata object, String type, String reason, String message) {
    // Every event users see is also a record of the audit log.
    audit.record(
        new AuditEvent(
            AUDIT_TYPES.getOrDefault(reason, "StateChanged"),
            Instant.now(),
            object.getMetadata().getNamespace(),
            object.getKind(),
            object.getMetadata().getName(),
            reason,
            message,
            java.util.Map.of("eventType", type)));
    String now = Instant.now().toString();
    try {
      client
          .v1()
          .events()
          .inNamespace(object.getMetadata().getNamespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(
                      object.getMetadata().getName()
                          + "."
                          + UUID.randomUUID().toString().substring(0, 8))
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(object.getApiVersion())
                          .withKind(object.getKind())
                          .withName(object.getMetadata().getName())
                          .withNamespace(object.getMetadata().getNamespace())
                          .withUid(object.getMetadata().getUid())
                          .build())
                  .withType(type)
                  .withReason(reason)
                  .withMessage(message)
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .withNewSource()
                  .withComponent("keychain-operator")
                  .endSource()
                  .withReportingComponent("keychain-operator")
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.warnf(
          "cannot record event %s on %s: %s",
          reason, object.getMetadata().getName(), e.getMessage());
    }
  }
}
