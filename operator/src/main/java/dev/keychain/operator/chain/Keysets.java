package dev.keychain.operator.chain;

import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.informers.SeenOrGone;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every replica's view of the chain Secrets, which hold the store of record of what agents are
 * granted (group epochs and the instance keyset). Grants read it from here, not from any status.
 * Each Secret is parsed once per resourceVersion, when the informer sees it, so a grant costs a map
 * lookup; a Secret that cannot be read is remembered with its problem, and grants from its chain
 * are refused with that problem until it is fixed. Listeners hear the namespace of every change,
 * which is how parked agent watches learn of a rotation or restriction.
 */
@Singleton
public class Keysets {
  static final String NOT_LOADED = "KeysetsNotLoaded";

  /** A parsed chain Secret at a resourceVersion, or what is wrong with it. */
  private record Parsed(SealedChain chain, String problem, String version) {}

  private final KubernetesClient client;
  private final Map<String, Parsed> chains = new ConcurrentHashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private SharedIndexInformer<Secret> informer;

  public Keysets(KubernetesClient client) {
    this.client = client;
  }

  void start(@Observes @Priority(5) StartupEvent e) {
    informer =
        client
            .secrets()
            .inAnyNamespace()
            .withLabel(ChainSecrets.CHAIN_LABEL)
            .inform(
                new SeenOrGone<>(
                    this::seen,
                    secret -> {
                      chains.remove(key(secret));
                      listeners.forEach(l -> l.accept(secret.getMetadata().getNamespace()));
                    }));
  }

  private void seen(Secret secret) {
    if (!ChainSecrets.TYPE.equals(secret.getType())) {
      return;
    }
    String version = secret.getMetadata().getResourceVersion();
    Parsed parsed;
    try {
      parsed = new Parsed(ChainSecrets.parse(secret), null, version);
    } catch (IllegalStateException e) {
      parsed = new Parsed(null, e.getMessage(), version);
    }
    keep(key(secret), parsed, secret.getMetadata().getNamespace());
  }

  /**
   * What this replica just wrote to a chain Secret: kept until the informer delivers it or a later
   * version, so that the writer's next read sees its own write (the informer may lag behind).
   */
  void written(KeyChain chain, SealedChain stored) {
    keep(
        chain.getMetadata().getNamespace() + "/" + ChainSecrets.secretName(chain),
        new Parsed(stored, null, stored.resourceVersion()),
        chain.getMetadata().getNamespace());
  }

  private void keep(String key, Parsed parsed, String namespace) {
    chains.merge(key, parsed, (old, next) -> isOlder(next.version(), old.version()) ? old : next);
    listeners.forEach(l -> l.accept(namespace));
  }

  /**
   * Whether {@code a} is an older resourceVersion than {@code b}. They are opaque to clients in
   * general; the API server's are etcd revisions, compared as numbers (as JOSDK does); anything
   * else counts as newer.
   */
  static boolean isOlder(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    try {
      return Long.parseLong(a) < Long.parseLong(b);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * The stored state of chain {@code name} in {@code namespace}; empty if it has no keys yet.
   *
   * @throws ChainProblem if the chain Secrets are not loaded yet or this one cannot be read
   */
  public Optional<SealedChain> get(String namespace, String name) {
    if (informer == null || !informer.hasSynced()) {
      throw new ChainProblem(NOT_LOADED, "chain keysets are not loaded yet; try again");
    }
    Parsed parsed = chains.get(namespace + "/" + ChainSecrets.secretName(name));
    if (parsed == null) {
      return Optional.empty();
    }
    if (parsed.problem() != null) {
      throw new ChainProblem("ChainUnreadable", parsed.problem());
    }
    return Optional.of(parsed.chain());
  }

  /** Hears the namespace of every chain Secret added, changed or deleted. */
  public void addListener(Consumer<String> listener) {
    listeners.add(listener);
  }

  private static String key(Secret secret) {
    return secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName();
  }

  void stop(@Observes ShutdownEvent e) {
    if (informer != null) {
      informer.close();
    }
  }
}
