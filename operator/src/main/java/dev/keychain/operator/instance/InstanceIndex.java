package dev.keychain.operator.instance;

import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.informers.SeenOrGone;
import dev.keychain.operator.selectors.LabelSelectors;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * Every replica's view of the SecureInstances, for the injection webhook and the agent endpoint
 * (served by all replicas, while only the leader reconciles). Listeners hear of every change, which
 * is how parked agent watches learn of a rotation, restriction or deletion.
 */
@Singleton
public class InstanceIndex {
  private final KubernetesClient client;
  private final List<BiConsumer<SecureInstance, Boolean>> listeners = new CopyOnWriteArrayList<>();
  private SharedIndexInformer<SecureInstance> informer;

  public InstanceIndex(KubernetesClient client) {
    this.client = client;
  }

  void start(@Observes @Priority(5) StartupEvent e) {
    informer =
        client
            .resources(SecureInstance.class)
            .inAnyNamespace()
            .inform(
                new SeenOrGone<SecureInstance>(
                    si -> listeners.forEach(l -> l.accept(si, false)),
                    si -> listeners.forEach(l -> l.accept(si, true))));
  }

  /** The instances of {@code namespace} whose selector matches {@code labels}. */
  public List<SecureInstance> selecting(String namespace, Map<String, String> labels) {
    if (informer == null || !informer.hasSynced()) {
      throw new IllegalStateException("SecureInstances are not loaded yet; try again");
    }
    return informer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace).stream()
        .filter(
            si ->
                si.getSpec() != null && LabelSelectors.matches(si.getSpec().getSelector(), labels))
        .sorted(java.util.Comparator.comparing(si -> si.getMetadata().getName()))
        .toList();
  }

  /** The instance {@code namespace/name} as this replica last saw it. */
  public Optional<SecureInstance> get(String namespace, String name) {
    return informer == null
        ? Optional.empty()
        : Optional.ofNullable(informer.getIndexer().getByKey(namespace + "/" + name));
  }

  /** Hears every added, changed and (second argument true) deleted instance. */
  public void addListener(BiConsumer<SecureInstance, Boolean> listener) {
    listeners.add(listener);
  }

  void stop(@Observes ShutdownEvent e) {
    if (informer != null) {
      informer.close();
    }
  }
}
