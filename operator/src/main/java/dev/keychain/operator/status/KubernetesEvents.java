package dev.keychain.operator.status;

import dev.keychain.core.audit.AuditEvent;
import dev.keychain.core.audit.AuditEventType;
import dev.keychain.core.audit.AuditSink;
import dev.keychain.core.audit.AuditUnwritableException;
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

  private final KubernetesClient client;
  private final AuditSink audit;

  public KubernetesEvents(KubernetesClient client, AuditSink audit) {
    this.client = client;
    this.audit = audit;
  }

  /** A Normal event, also recorded in the audit log as {@code audited}. */
  public void normal(HasMetadata object, AuditEventType audited, String reason, String message) {
    record(object, audited, "Normal", reason, message);
  }

  /**
   * {@code conditions} with Ready False for {@code reason}, and a Warning event (audited as a state
   * change) when it was not already False for that reason: users hear of a problem once.
   */
  public java.util.List<io.fabric8.kubernetes.api.model.Condition> notReady(
      HasMetadata object,
      java.util.List<io.fabric8.kubernetes.api.model.Condition> conditions,
      String reason,
      String message,
      long generation) {
    if (!Conditions.isFalseFor(conditions, Conditions.READY, reason)) {
      warning(object, AuditEventType.STATE_CHANGED, reason, message);
    }
    return Conditions.set(conditions, Conditions.READY, false, reason, message, generation);
  }

  /** A Warning event, also recorded in the audit log as {@code audited}. */
  public void warning(HasMetadata object, AuditEventType audited, String reason, String message) {
    record(object, audited, "Warning", reason, message);
  }

  private void record(
      HasMetadata object, AuditEventType audited, String type, String reason, String message) {
    // Events of cluster-scoped objects (ClusterSignerWhitelist) go where the API server puts
    // those of nodes; they have no namespace's audit log.
    String namespace = object.getMetadata().getNamespace();
    // Every event users see is also a record of the audit log; one that cannot be written (counted
    // and logged there) does not stop what the event tells about.
    try {
      audit.record(
          new AuditEvent(
              audited,
              Instant.now(),
              namespace == null ? "" : namespace,
              object.getKind(),
              object.getMetadata().getName(),
              reason,
              message,
              java.util.Map.of("eventType", type)));
    } catch (AuditUnwritableException e) {
      LOG.debugf("event %s on %s not audited: %s", reason, object.getMetadata().getName(), e);
    }
    String now = Instant.now().toString();
    try {
      client
          .v1()
          .events()
          .inNamespace(namespace == null ? "default" : namespace)
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
