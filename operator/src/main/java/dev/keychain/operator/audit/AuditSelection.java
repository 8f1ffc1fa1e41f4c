package dev.keychain.operator.audit;

import dev.keychain.core.audit.AuditEvent;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * Which audit events some AuditLog keeps, as every replica sees the AuditLogs (an informer of its
 * own: followers run no reconcilers). A follower forwards to the leader only the events a log of
 * their namespace selects; the others the leader would append nowhere, and waiting for it to say so
 * was most of a follower's admission latency under load. Until the informer has synced, every event
 * counts as selected (forwarded, as before).
 */
@Singleton
public class AuditSelection {
  private final KubernetesClient client;
  private volatile SharedIndexInformer<AuditLog> informer;

  public AuditSelection(KubernetesClient client) {
    this.client = client;
  }

  void start(@Observes @Priority(5) StartupEvent e) {
    informer = client.resources(AuditLog.class).inAnyNamespace().inform();
  }

  void stop(@Observes ShutdownEvent e) {
    if (informer != null) {
      informer.close();
    }
  }

  /** Whether an AuditLog of the event's namespace selects its type (true until loaded). */
  public boolean selects(AuditEvent event) {
    SharedIndexInformer<AuditLog> i = informer;
    if (i == null || !i.hasSynced()) {
      return true;
    }
    for (AuditLog log : i.getIndexer().byIndex(Cache.NAMESPACE_INDEX, event.namespace())) {
      List<String> selected = log.getSpec() == null ? null : log.getSpec().getEvents();
      if (selected == null || selected.isEmpty() || selected.contains(event.type().wireName())) {
        return true;
      }
    }
    return false;
  }
}
