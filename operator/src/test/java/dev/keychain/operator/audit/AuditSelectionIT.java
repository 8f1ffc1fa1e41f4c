package dev.keychain.operator.audit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.keychain.core.audit.AuditEvent;
import dev.keychain.core.audit.AuditEventType;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import dev.keychain.operator.api.v1alpha1.AuditLogSpec;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The followers' view of which events some AuditLog keeps follows the AuditLogs as they are made,
 * narrowed, widened and deleted: an event no log selects is not forwarded, one that a log selects
 * is.
 */
@QuarkusTest
@QuarkusTestResource(LocalControlPlaneResource.class)
class AuditSelectionIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Inject KubernetesClient client;
  @Inject AuditSelection selection;

  private static AuditEvent event(String ns, AuditEventType type) {
    return new AuditEvent(type, Instant.now(), ns, "Pod", "p", "r", "m", Map.of());
  }

  @Test
  void selectsWhatTheAuditLogsOfTheNamespaceKeepAsTheyChange() {
    String ns = LocalControlPlaneResource.newNamespace("audit-selection");
    String other = LocalControlPlaneResource.newNamespace("audit-selection-other");
    await()
        .atMost(TIMEOUT)
        .until(() -> !selection.selects(event(ns, AuditEventType.ADMISSION_DENIED)));

    AuditLog log = new AuditLog();
    log.getMetadata().setName("denials");
    log.getMetadata().setNamespace(ns);
    AuditLogSpec spec = new AuditLogSpec();
    spec.setEvents(List.of("AdmissionDenied"));
    log.setSpec(spec);
    client.resource(log).create();
    await()
        .atMost(TIMEOUT)
        .until(() -> selection.selects(event(ns, AuditEventType.ADMISSION_DENIED)));
    assertFalse(selection.selects(event(ns, AuditEventType.ADMISSION_ALLOWED)), "not selected");
    assertFalse(selection.selects(event(other, AuditEventType.ADMISSION_DENIED)), "other ns");

    // widened to every type
    client
        .resources(AuditLog.class)
        .inNamespace(ns)
        .withName("denials")
        .edit(
            l -> {
              l.getSpec().setEvents(List.of());
              return l;
            });
    await()
        .atMost(TIMEOUT)
        .until(() -> selection.selects(event(ns, AuditEventType.ADMISSION_ALLOWED)));

    client.resources(AuditLog.class).inNamespace(ns).withName("denials").delete();
    await()
        .atMost(TIMEOUT)
        .until(() -> !selection.selects(event(ns, AuditEventType.ADMISSION_DENIED)));
    assertFalse(selection.selects(event(ns, AuditEventType.KEY_ISSUED)), "deleted log still kept");
  }
}
