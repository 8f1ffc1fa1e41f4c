package dev.keychain.operator.admission;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Namespaces' labels, for the namespaceSelectors of ClusterSignerWhitelists, from an informer (list
 * and watch: no reads per review). A namespace created just before its first pod may not have
 * reached the informer yet; admission then waits for it, briefly, and otherwise fails closed.
 */
@Singleton
public class NamespaceLabels {
  /** How long a review waits for a namespace the informer has not seen yet. */
  static final Duration NEW_NAMESPACE_WAIT = Duration.ofSeconds(2);

  private final KubernetesClient client;
  private final Function<String, Optional<Map<String, String>>> lookup;
  private volatile SharedIndexInformer<Namespace> informer;

  @Inject
  public NamespaceLabels(KubernetesClient client) {
    this.client = client;
    this.lookup = this::fromInformer;
  }

  private NamespaceLabels(Map<String, Map<String, String>> known) {
    this.client = null;
    this.lookup = ns -> Optional.ofNullable(known.get(ns));
  }

  /** Fixed labels, for tests of admission without a cluster. */
  static NamespaceLabels of(Map<String, Map<String, String>> known) {
    return new NamespaceLabels(known);
  }

  void start(@Observes StartupEvent e) {
    informer = client.namespaces().inform();
  }

  void stop(@Observes ShutdownEvent e) {
    if (informer != null) {
      informer.close();
    }
  }

  private Optional<Map<String, String>> fromInformer(String namespace) {
    SharedIndexInformer<Namespace> i = informer;
    if (i == null) {
      return Optional.empty();
    }
    Namespace n = i.getStore().getByKey(namespace);
    return n == null
        ? Optional.empty()
        : Optional.of(n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels());
  }

  /**
   * The labels of {@code namespace}, waiting for it until {@link #NEW_NAMESPACE_WAIT} or {@code
   * deadlineNanos} (of {@link System#nanoTime}) has passed; empty if it is still unknown.
   */
  public Optional<Map<String, String>> await(String namespace, long deadlineNanos) {
    long until = Math.min(deadlineNanos, System.nanoTime() + NEW_NAMESPACE_WAIT.toNanos());
    while (true) {
      Optional<Map<String, String>> labels = lookup.apply(namespace);
      if (labels.isPresent()
          || System.nanoTime() >= until
          || Thread.currentThread().isInterrupted()) {
        return labels;
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }
}
