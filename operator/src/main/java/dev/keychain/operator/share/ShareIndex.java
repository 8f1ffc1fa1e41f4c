package dev.keychain.operator.share;

import dev.keychain.core.share.ShareBinding;
import dev.keychain.operator.chain.ChainProblem;
import dev.keychain.operator.informers.SeenOrGone;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every replica's view of the KeyShare stores (the store of record of each share's current
 * version), indexed by the instances each version entitles (its owner and recipients), so that a
 * grant finds its instance's shares with a map lookup. A store that cannot be read is kept with its
 * problem and the instances its last readable version entitled: their shares are withheld, not
 * dropped, until it is fixed. Listeners hear the instances ({@code namespace/name}) whose shares
 * changed, which is how parked agent watches learn of a new or withdrawn version.
 */
@Singleton
public class ShareIndex {
  /** One store: its version, or what is wrong with it, and the instances it entitles. */
  public record Entry(
      String namespace,
      String share,
      Optional<ShareStore.Stored> stored,
      String problem,
      Set<String> entitled) {
    public String id() {
      return namespace + "/" + share;
    }

    /** The binding of the stored version (present when {@code stored} is). */
    public ShareBinding binding() {
      ShareStore.Version v = stored.orElseThrow().version();
      return new ShareBinding(namespace, v.owner(), share, v.version(), v.recipients());
    }
  }

  private final KubernetesClient client;
  private final Map<String, Entry> stores = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> byInstance = new ConcurrentHashMap<>();
  private final List<Consumer<Set<String>>> listeners = new CopyOnWriteArrayList<>();
  private SharedIndexInformer<Secret> informer;

  public ShareIndex(KubernetesClient client) {
    this.client = client;
  }

  void start(@Observes @Priority(5) StartupEvent e) {
    informer =
        client
            .secrets()
            .inAnyNamespace()
            .withLabel(ShareStore.LABEL)
            .inform(new SeenOrGone<>(this::seen, this::removed));
  }

  void stop(@Observes ShutdownEvent e) {
    if (informer != null) {
      informer.close();
    }
  }

  /** Whether the stores are loaded; before that no share is served (they are withheld). */
  public boolean loaded() {
    return informer != null && informer.hasSynced();
  }

  /** The stores whose current version entitles {@code instance} ({@code namespace/name}). */
  public List<Entry> entitling(String instance) {
    Set<String> ids = byInstance.getOrDefault(instance, Set.of());
    return ids.stream()
        .map(stores::get)
        .filter(java.util.Objects::nonNull)
        .sorted(java.util.Comparator.comparing(Entry::id))
        .toList();
  }

  /** A digest input of {@code instance}'s shares: it changes with every version served to it. */
  public String state(String instance) {
    StringBuilder b = new StringBuilder();
    for (Entry e : entitling(instance)) {
      b.append(e.id()).append('@');
      e.stored()
          .ifPresentOrElse(
              s -> b.append(s.version().version()).append(':').append(s.version().keyId()),
              () -> b.append('?'));
      b.append(';');
    }
    return b.toString();
  }

  /** Hears the instances whose shares were added, changed or withdrawn. */
  public void addListener(Consumer<Set<String>> listener) {
    listeners.add(listener);
  }

  private void seen(Secret secret) {
    String ns = secret.getMetadata().getNamespace();
    String share = secret.getMetadata().getLabels().get(ShareStore.LABEL);
    if (share == null || !ShareStore.secretName(share).equals(secret.getMetadata().getName())) {
      return; // not a store: a label copied onto another Secret decides nothing
    }
    String id = ns + "/" + share;
    Entry previous = stores.get(id);
    Entry next;
    try {
      ShareStore.Stored stored = ShareStore.parse(secret, share);
      Entry parsed = new Entry(ns, share, Optional.of(stored), null, Set.of());
      Set<String> entitled = new TreeSet<>(parsed.binding().recipients());
      entitled.add(parsed.binding().ownerId());
      next = new Entry(ns, share, Optional.of(stored), null, Set.copyOf(entitled));
    } catch (ChainProblem | IllegalArgumentException ex) {
      next =
          new Entry(
              ns,
              share,
              Optional.empty(),
              ex.getMessage(),
              previous == null ? Set.of() : previous.entitled());
    }
    replace(id, previous, next);
  }

  private void removed(Secret secret) {
    String share = secret.getMetadata().getLabels().get(ShareStore.LABEL);
    if (share == null) {
      return;
    }
    String id = secret.getMetadata().getNamespace() + "/" + share;
    replace(id, stores.get(id), null);
  }

  private synchronized void replace(String id, Entry previous, Entry next) {
    Set<String> affected = new HashSet<>();
    if (previous != null) {
      for (String instance : previous.entitled()) {
        byInstance.computeIfPresent(
            instance,
            (k, set) -> {
              Set<String> rest = new HashSet<>(set);
              rest.remove(id);
              return rest.isEmpty() ? null : Set.copyOf(rest);
            });
        affected.add(instance);
      }
    }
    if (next == null) {
      stores.remove(id);
    } else {
      stores.put(id, next);
      for (String instance : next.entitled()) {
        byInstance.merge(
            instance,
            Set.of(id),
            (a, b) -> {
              Set<String> all = new HashSet<>(a);
              all.addAll(b);
              return Set.copyOf(all);
            });
        affected.add(instance);
      }
    }
    Set<String> changed = Set.copyOf(affected);
    listeners.forEach(l -> l.accept(changed));
  }
}
