package dev.keychain.operator.admission;

import dev.keychain.operator.api.v1alpha1.ClusterSignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.informers.SeenOrGone;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Keeps every replica's whitelists current: webhooks are served by all replicas while only the
 * leader reconciles, so admission follows SignerWhitelists and ClusterSignerWhitelists with its own
 * informers.
 */
@Singleton
public class WhitelistInformer {
  private static final Logger LOG = Logger.getLogger(WhitelistInformer.class);

  private final KubernetesClient client;
  private final Whitelists whitelists;
  private final String operatorNamespace;
  private final RunningPodReverification reverification;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  public WhitelistInformer(
      KubernetesClient client,
      Whitelists whitelists,
      RunningPodReverification reverification,
      @ConfigProperty(name = "keychain.operator.namespace") String operatorNamespace) {
    this.reverification = reverification;
    this.client = client;
    this.whitelists = whitelists;
    this.operatorNamespace = operatorNamespace;
  }

  void start(@Observes StartupEvent e) {
    informers.add(client.resources(SignerWhitelist.class).inAnyNamespace().inform(handler()));
    informers.add(client.resources(ClusterSignerWhitelist.class).inform(handler()));
  }

  private <T extends HasMetadata> ResourceEventHandler<T> handler() {
    return new SeenOrGone<>(
        this::install,
        wl -> {
          whitelists.remove(WhitelistCompiler.namespaceOf(wl), wl.getMetadata().getName());
          reverification.forget(WhitelistCompiler.namespaceOf(wl), wl.getMetadata().getName());
        });
  }

  private void install(HasMetadata wl) {
    Optional<String[]> credentials;
    try {
      credentials = RegistryCredentials.read(client, wl, operatorNamespace);
    } catch (RuntimeException e) {
      // The reconciler reports it; without credentials the registry will refuse and admission
      // fails closed.
      LOG.debugf("%s %s: %s", wl.getKind(), wl.getMetadata().getName(), e.getMessage());
      credentials = Optional.empty();
    }
    whitelists.install(wl, credentials);
  }

  void stop(@Observes ShutdownEvent e) {
    informers.forEach(SharedIndexInformer::close);
  }
}
