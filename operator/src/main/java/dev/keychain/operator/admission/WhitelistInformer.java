package dev.keychain.operator.admission;

import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Keeps every replica's whitelists current: webhooks are served by all replicas while only the
 * leader reconciles, so admission follows SignerWhitelists with its own informer.
 */
@Singleton
public class WhitelistInformer {
  private static final Logger LOG = Logger.getLogger(WhitelistInformer.class);

  private final KubernetesClient client;
  private final Whitelists whitelists;
  private SharedIndexInformer<SignerWhitelist> informer;

  public WhitelistInformer(KubernetesClient client, Whitelists whitelists) {
    this.client = client;
    this.whitelists = whitelists;
  }

  void start(@Observes StartupEvent e) {
    informer =
        client
            .resources(SignerWhitelist.class)
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(SignerWhitelist wl) {
                    install(wl);
                  }

                  @Override
                  public void onUpdate(SignerWhitelist old, SignerWhitelist wl) {
                    install(wl);
                  }

                  @Override
                  public void onDelete(SignerWhitelist wl, boolean unknownFinalState) {
                    whitelists.remove(wl.getMetadata().getNamespace(), wl.getMetadata().getName());
                  }
                });
  }

  private void install(SignerWhitelist wl) {
    Optional<String[]> credentials;
    try {
      credentials = RegistryCredentials.read(client, wl);
    } catch (RuntimeException e) {
      // The reconciler reports it; without credentials the registry will refuse and admission
      // fails closed.
      LOG.debugf("whitelist %s: %s", wl.getMetadata().getName(), e.getMessage());
      credentials = Optional.empty();
    }
    whitelists.install(wl, credentials);
  }

  void stop(@Observes ShutdownEvent e) {
    if (informer != null) {
      informer.close();
    }
  }
}
