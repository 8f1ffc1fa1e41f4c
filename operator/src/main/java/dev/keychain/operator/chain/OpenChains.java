package dev.keychain.operator.chain;

import static io.fabric8.kubernetes.client.informers.cache.Cache.namespaceKeyFunc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Chains opened for grants. Opening a chain reads three Secrets (sealed chain, tenant share, KEK)
 * and unseals the session key; during a burst of handshakes (a Deployment scaling up, a rotation
 * waking every agent) that would put three API calls on every grant. So an opened chain is shared
 * by the grants of {@code keychain.agent.open-chain-ttl} (2 s) and then wiped, at once when its
 * KeyChain changes (rotation, revocation), and never while a grant is still using it.
 */
@Singleton
public class OpenChains {
  private final ChainVault vault;
  private final KubernetesClient client;
  private final Cache<String, Shared> open;
  private SharedIndexInformer<KeyChain> informer;

  public OpenChains(
      ChainVault vault,
      KubernetesClient client,
      @ConfigProperty(name = "keychain.agent.open-chain-ttl", defaultValue = "PT2S") Duration ttl) {
    this.vault = vault;
    this.client = client;
    this.open =
        Caffeine.newBuilder()
            .expireAfterWrite(ttl)
            .maximumSize(10_000)
            .removalListener(
                (String key, Shared shared, RemovalCause cause) -> {
                  if (shared != null) {
                    shared.evict();
                  }
                })
            .build();
  }

  /** An opened chain with the number of grants using it; closed when evicted and unused. */
  private static final class Shared {
    private final OpenChain chain;
    private int users;
    private boolean evicted;

    Shared(OpenChain chain) {
      this.chain = chain;
    }

    synchronized boolean acquire() {
      if (evicted) {
        return false;
      }
      users++;
      return true;
    }

    synchronized void release() {
      users--;
      if (evicted && users == 0) {
        chain.close();
      }
    }

    synchronized void evict() {
      evicted = true;
      if (users == 0) {
        chain.close();
      }
    }
  }

  void start(@Observes StartupEvent e) {
    informer =
        client
            .resources(KeyChain.class)
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(KeyChain chain) {}

                  @Override
                  public void onUpdate(KeyChain old, KeyChain chain) {
                    open.invalidate(key(chain));
                  }

                  @Override
                  public void onDelete(KeyChain chain, boolean unknownFinalState) {
                    open.invalidate(key(chain));
                  }
                });
  }

  /**
   * The KeyChain as the informer holds it; null if it is gone or not seen yet (a grant then asks
   * the agent to try again).
   */
  public KeyChain get(String namespace, String name) {
    return informer == null
        ? null
        : informer.getIndexer().getByKey(namespaceKeyFunc(namespace, name));
  }

  /** Runs {@code use} with the chain open; the chain is wiped later, not by the caller. */
  public <T> T with(KeyChain chain, Function<OpenChain, T> use) {
    while (true) {
      Shared shared = open.get(key(chain), k -> new Shared(vault.open(chain)));
      if (shared.acquire()) {
        try {
          return use.apply(shared.chain);
        } finally {
          shared.release();
        }
      }
      open.asMap().remove(key(chain), shared); // evicted between lookup and use: open anew
    }
  }

  private static String key(KeyChain chain) {
    return chain.getMetadata().getNamespace()
        + "/"
        + chain.getMetadata().getName()
        + "/"
        + chain.getMetadata().getUid();
  }

  void stop(@Observes ShutdownEvent e) {
    if (informer != null) {
      informer.close();
    }
    open.invalidateAll();
  }
}
