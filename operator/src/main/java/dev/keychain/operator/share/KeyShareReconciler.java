package dev.keychain.operator.share;

import dev.keychain.core.audit.AuditEventType;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.envelope.Envelope;
import dev.keychain.core.envelope.KeyProvider;
import dev.keychain.core.envelope.SealedKey;
import dev.keychain.core.keyset.InstanceKeys;
import dev.keychain.core.share.OneTimeKeys;
import dev.keychain.core.share.SealedItem;
import dev.keychain.core.share.ShareBinding;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.KeyShare;
import dev.keychain.operator.api.v1alpha1.KeyShareStatus;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.api.v1alpha1.ShareRecipientSpec;
import dev.keychain.operator.api.v1alpha1.ShareRecipientStatus;
import dev.keychain.operator.chain.ChainProblem;
import dev.keychain.operator.chain.ChainState;
import dev.keychain.operator.chain.KeyProviders;
import dev.keychain.operator.chain.Keysets;
import dev.keychain.operator.chain.OpenChains;
import dev.keychain.operator.chain.SealedChain;
import dev.keychain.operator.chain.TenantShares;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.pods.AgentPodAnnotations;
import dev.keychain.operator.status.Conditions;
import dev.keychain.operator.status.KubernetesEvents;
import dev.keychain.operator.status.StatusPatch;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps a KeyShare's current version in its store of record ({@link ShareStore}): seed 004 steps 2
 * to 6. When the recipients or the item's source change, a new version is made: a fresh one-time
 * key bound to owner, recipients and version (HKDF), the item sealed with it (AES-GCM), the key
 * sealed by the owner chain's envelope. A recipient is included only if its SecureInstance exists
 * and its namespace accepts the share (label {@code shares.keychain.dev/<owner namespace>} set to
 * the share's name or {@code all}; the owner's namespace needs none). Anything wrong (owner or
 * chain missing, the owner among its recipients, an item that cannot be read or is too large)
 * leaves the stored version as it was and says why in the Ready condition.
 */
@ControllerConfiguration(name = "keyshare")
public class KeyShareReconciler implements Reconciler<KeyShare>, Cleaner<KeyShare> {
  public static final String ACCEPT_LABEL_PREFIX = "shares.keychain.dev/";
  // a Secret item is read at each look: a changed entry is shared within this period
  static final Duration RESYNC = Duration.ofSeconds(30);
  // while agents still lack the current version, their acknowledgements are looked at sooner
  private static final Duration ACK_RESYNC = Duration.ofSeconds(5);

  /** Problems that other caches settle within moments: looked at again soon. */
  private static final java.util.Set<String> SOON =
      java.util.Set.of("OwnerNotReady", "ChainNotReady", "NamespaceUnknown");

  /** Problems that end sharing, not pause it: the stored version is deleted. */
  private static final java.util.Set<String> WITHDRAWN =
      java.util.Set.of("NoRecipient", "ItemNotFound", "ItemRefused");

  private final ShareStore store;
  private final ShareItems items;
  private final OpenChains chains;
  private final Keysets keysets;
  private final KeyProviders kek;
  private final TenantShares tenantShares;
  private final KubernetesEvents events;
  private final OperatorMetrics metrics;
  private final KubernetesClient client;

  public KeyShareReconciler(
      ShareStore store,
      ShareItems items,
      OpenChains chains,
      Keysets keysets,
      KeyProviders kek,
      TenantShares tenantShares,
      KubernetesEvents events,
      OperatorMetrics metrics,
      KubernetesClient client) {
    this.client = client;
    this.store = store;
    this.items = items;
    this.chains = chains;
    this.keysets = keysets;
    this.kek = kek;
    this.tenantShares = tenantShares;
    this.events = events;
    this.metrics = metrics;
  }

  private static final String INSTANCES = "keyshare-instances";
  private static final String NAMESPACES = "keyshare-namespaces";

  /**
   * The instances and namespaces as the informers that wake this reconciler see them: what woke it
   * is what it reads (another informer of the same objects may not have seen the event yet).
   */
  private record Watched(Context<KeyShare> context) {
    Optional<SecureInstance> instance(String ns, String name) {
      return source(SecureInstance.class, INSTANCES)
          .get(new io.javaoperatorsdk.operator.processing.event.ResourceID(name, ns));
    }

    Optional<Map<String, String>> labels(String ns) {
      return source(Namespace.class, NAMESPACES)
          .get(new io.javaoperatorsdk.operator.processing.event.ResourceID(ns))
          .map(n -> n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels());
    }

    @SuppressWarnings("unchecked")
    private <T extends io.fabric8.kubernetes.api.model.HasMetadata>
        InformerEventSource<T, KeyShare> source(Class<T> type, String name) {
      return (InformerEventSource<T, KeyShare>)
          context.eventSourceRetriever().getEventSourceFor(type, name);
    }
  }

  /**
   * SecureInstances wake the shares that name them (as owner, or as recipient in any namespace),
   * when made, deleted or changed in spec or keys; namespaces wake the shares with a recipient in
   * them when their labels change (acceptance given or withdrawn). Without these, a share made
   * beside its instances, or accepted later, waited for the next resync.
   */
  @Override
  public List<EventSource<?, KeyShare>> prepareEventSources(EventSourceContext<KeyShare> context) {
    var instanceSource =
        InformerEventSourceConfiguration.from(SecureInstance.class, KeyShare.class)
            .withName(INSTANCES)
            .withOnUpdateFilter(
                (newer, older) ->
                    !java.util.Objects.equals(
                            newer.getMetadata().getGeneration(),
                            older.getMetadata().getGeneration())
                        || !java.util.Objects.equals(keys(newer), keys(older)))
            .withSecondaryToPrimaryMapper(
                si ->
                    naming(
                        context,
                        share ->
                            (share
                                        .getMetadata()
                                        .getNamespace()
                                        .equals(si.getMetadata().getNamespace())
                                    && si.getMetadata()
                                        .getName()
                                        .equals(share.getSpec().getOwner()))
                                || share.getSpec().getRecipients().stream()
                                    .anyMatch(
                                        r ->
                                            si.getMetadata().getNamespace().equals(r.getNamespace())
                                                && si.getMetadata()
                                                    .getName()
                                                    .equals(r.getInstance()))))
            .build();
    var namespaceSource =
        InformerEventSourceConfiguration.from(Namespace.class, KeyShare.class)
            .withName(NAMESPACES)
            .withOnUpdateFilter(
                (newer, older) ->
                    !java.util.Objects.equals(
                        newer.getMetadata().getLabels(), older.getMetadata().getLabels()))
            .withSecondaryToPrimaryMapper(
                n ->
                    naming(
                        context,
                        share ->
                            share.getSpec().getRecipients().stream()
                                .anyMatch(r -> n.getMetadata().getName().equals(r.getNamespace()))))
            .build();
    return List.of(
        new InformerEventSource<>(instanceSource, context),
        new InformerEventSource<>(namespaceSource, context));
  }

  /**
   * What of an instance's status shows its keys changing (made, re-keyed, moved): a wake-up only;
   * the reconcile reads the keys themselves from their store.
   */
  private static Object keys(SecureInstance si) {
    var st = si.getStatus();
    return st == null
        ? null
        : List.of(
            String.valueOf(st.getSessionNumber()),
            String.valueOf(st.getClusterGroup()),
            String.valueOf(st.getGroupEpoch()),
            String.valueOf(st.getSubKeyEpoch()));
  }

  /** The shares (of any namespace) that pass {@code test}. */
  private static java.util.Set<io.javaoperatorsdk.operator.processing.event.ResourceID> naming(
      EventSourceContext<KeyShare> context, java.util.function.Predicate<KeyShare> test) {
    return context
        .getPrimaryCache()
        .list(share -> share.getSpec() != null && share.getSpec().getRecipients() != null)
        .filter(test)
        .map(io.javaoperatorsdk.operator.processing.event.ResourceID::fromResource)
        .collect(java.util.stream.Collectors.toSet());
  }

  @Override
  public UpdateControl<KeyShare> reconcile(KeyShare share, Context<KeyShare> context) {
    KeyShareStatus previous = share.getStatus() == null ? new KeyShareStatus() : share.getStatus();
    KeyShareStatus status = new KeyShareStatus();
    long generation = share.getMetadata().getGeneration();
    status.setObservedGeneration(generation);
    status.setConditions(previous.getConditions());
    String ns = share.getMetadata().getNamespace();
    String name = share.getMetadata().getName();
    Duration resync = RESYNC;
    try {
      Optional<ShareStore.Stored> stored = store.read(ns, name);
      stored.ifPresent(s -> project(status, s.version()));
      List<ShareRecipientStatus> recipients = new ArrayList<>();
      Watched watched = new Watched(context);
      List<String> included = judgeRecipients(share, recipients, watched);
      status.setRecipients(recipients);
      SecureInstance owner =
          watched
              .instance(ns, share.getSpec().getOwner())
              .orElseThrow(
                  () ->
                      new ChainProblem(
                          "OwnerNotFound",
                          "SecureInstance "
                              + share.getSpec().getOwner()
                              + " does not exist in "
                              + ns));
      KeyChain chain = chains.get(ns, owner.getSpec().getKeyChain());
      SealedChain sealed =
          keysets
              .get(ns, owner.getSpec().getKeyChain())
              .orElseThrow(
                  () ->
                      new ChainProblem(
                          "ChainNotReady",
                          "KeyChain " + owner.getSpec().getKeyChain() + " has no keys yet"));
      if (chain == null) {
        throw new ChainProblem(
            "ChainNotReady", "KeyChain " + owner.getSpec().getKeyChain() + " is not loaded yet");
      }
      InstanceKeys ownerKeys =
          sealed
              .instances()
              .get(ns, owner.getMetadata().getName())
              .orElseThrow(
                  () ->
                      new ChainProblem(
                          "OwnerNotReady",
                          "SecureInstance " + owner.getMetadata().getName() + " has no keys yet"));
      if (included.isEmpty()) {
        throw new ChainProblem(
            "NoRecipient",
            "no recipient can receive the share: "
                + recipients.stream().map(ShareRecipientStatus::getMessage).toList());
      }
      ShareItems.Item item = item(share, chain, sealed, ownerKeys);
      try {
        boolean current =
            stored.isPresent()
                && stored.get().version().owner().equals(share.getSpec().getOwner())
                && stored.get().version().recipients().equals(included)
                && stored.get().version().source().equals(item.source())
                && stored.get().version().chain().equals(chain.getMetadata().getName());
        if (!current) {
          ShareStore.Version v = newVersion(share, chain, stored, included, item);
          project(status, v);
        }
      } finally {
        Arrays.fill(item.plaintext(), (byte) 0);
      }
      boolean allAcknowledged = acknowledgements(share, status);
      if (!allAcknowledged) {
        resync = ACK_RESYNC;
      }
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              Conditions.READY,
              true,
              "Shared",
              "version "
                  + status.getVersion()
                  + " for the owner and "
                  + included.size()
                  + " recipient(s)",
              generation));
      metrics.reconciles.labelValues("KeyShare", "success").inc();
    } catch (ChainProblem problem) {
      if (SOON.contains(problem.reason())) {
        // keys or a namespace another informer has not delivered yet: not worth a full resync
        resync = Duration.ofSeconds(2);
      }
      String outcome = "; the stored version is unchanged";
      if (WITHDRAWN.contains(problem.reason()) && store.read(ns, name).isPresent()) {
        // nobody may receive it any more, or it no longer exists: no version stays served
        store.delete(ns, name);
        status.setVersion(null);
        status.setKeyId(null);
        status.setVersionedAt(null);
        outcome = "; the stored version was withdrawn";
        events.normal(
            share, AuditEventType.STATE_CHANGED, "VersionWithdrawn", problem.getMessage());
      }
      status.setConditions(
          events.notReady(
              share,
              status.getConditions(),
              problem.reason(),
              problem.getMessage() + outcome,
              generation));
      metrics.reconciles.labelValues("KeyShare", "problem").inc();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        // another writer's version landed first: judge again from it
        return UpdateControl.<KeyShare>noUpdate().rescheduleAfter(Duration.ofSeconds(1));
      }
      throw e;
    }
    return UpdateControl.patchStatus(StatusPatch.of(share, status, KeyShare::new))
        .rescheduleAfter(resync);
  }

  /**
   * Counts, for the owner and each included recipient, its agents' pods and those whose agent was
   * served the current version (the pod's share acknowledgement); true when all were.
   */
  private boolean acknowledgements(KeyShare share, KeyShareStatus status) {
    String ns = share.getMetadata().getNamespace();
    String served = ns + "/" + share.getMetadata().getName() + "=" + status.getVersion();
    ShareRecipientStatus owner = new ShareRecipientStatus();
    owner.setInstance(ns + "/" + share.getSpec().getOwner());
    owner.setIncluded(true);
    status.setOwner(owner);
    boolean all = true;
    Map<String, List<io.fabric8.kubernetes.api.model.Pod>> injected = new java.util.HashMap<>();
    List<ShareRecipientStatus> entitled = new ArrayList<>(status.getRecipients());
    entitled.add(owner);
    for (ShareRecipientStatus r : entitled) {
      if (!Boolean.TRUE.equals(r.getIncluded())) {
        continue;
      }
      String[] id = r.getInstance().split("/", 2);
      List<io.fabric8.kubernetes.api.model.Pod> pods =
          injected
              .computeIfAbsent(
                  id[0],
                  n ->
                      client
                          .pods()
                          .inNamespace(n)
                          .withLabel(AgentPodAnnotations.AGENT_LABEL, "injected")
                          .list()
                          .getItems())
              .stream()
              .filter(
                  p ->
                      p.getMetadata().getAnnotations() != null
                          && id[1].equals(
                              p.getMetadata().getAnnotations().get(AgentPodAnnotations.INSTANCE)))
              .toList();
      long acked =
          pods.stream()
              .filter(
                  p -> {
                    String v = p.getMetadata().getAnnotations().get(AgentPodAnnotations.ACK_SHARES);
                    return v != null && Arrays.asList(v.split(",")).contains(served);
                  })
              .count();
      r.setPods(pods.size());
      r.setAcknowledged((int) acked);
      all &= acked == pods.size();
    }
    return all;
  }

  /** Which recipients receive the share (sorted ids), each judged into {@code out}. */
  private List<String> judgeRecipients(
      KeyShare share, List<ShareRecipientStatus> out, Watched watched) {
    String ns = share.getMetadata().getNamespace();
    String ownerId = ns + "/" + share.getSpec().getOwner();
    List<String> included = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (ShareRecipientSpec r : share.getSpec().getRecipients()) {
      if (!seen.add(r.id())) {
        throw new ChainProblem("DuplicateRecipient", "recipient " + r.id() + " is listed twice");
      }
    }
    for (ShareRecipientSpec r : share.getSpec().getRecipients()) {
      ShareRecipientStatus s = new ShareRecipientStatus();
      s.setInstance(r.id());
      String why = null;
      if (r.id().equals(ownerId)) {
        why = "the owner is not its own recipient (a share to itself is a cycle)";
      } else if (watched.instance(r.getNamespace(), r.getInstance()).isEmpty()) {
        why = "SecureInstance " + r.id() + " does not exist";
      } else if (!r.getNamespace().equals(ns)) {
        Optional<Map<String, String>> labels = watched.labels(r.getNamespace());
        if (labels.isEmpty()) {
          throw new ChainProblem(
              "NamespaceUnknown",
              "namespace " + r.getNamespace() + " is not known to the operator yet; retrying");
        }
        String accepted = labels.get().get(ACCEPT_LABEL_PREFIX + ns);
        if (!share.getMetadata().getName().equals(accepted) && !"all".equals(accepted)) {
          why =
              "namespace "
                  + r.getNamespace()
                  + " does not accept it: label it "
                  + ACCEPT_LABEL_PREFIX
                  + ns
                  + "="
                  + share.getMetadata().getName()
                  + " (or =all)";
        }
      }
      s.setIncluded(why == null);
      s.setMessage(why);
      if (why == null) {
        included.add(r.id());
      }
      out.add(s);
    }
    included.sort(null);
    return included;
  }

  private ShareItems.Item item(
      KeyShare share, KeyChain chain, SealedChain sealed, InstanceKeys ownerKeys) {
    var spec = share.getSpec().getItem();
    if (spec.getSecretRef() != null) {
      return items.secretEntry(share, spec.getSecretRef());
    }
    ChainState.Group group = sealed.state().groups().get(ownerKeys.group());
    if (group == null || group.isRemoved()) {
      throw new ChainProblem(
          "OwnerNotReady", "the owner's cluster group " + ownerKeys.group() + " was removed");
    }
    return items.derivedKey(share, chain, ownerKeys, group.epoch(), spec.getDerivedKey());
  }

  /** Seed 004 steps 3, 4 and 6: a one-time key, the item sealed with it, both stored. */
  private ShareStore.Version newVersion(
      KeyShare share,
      KeyChain chain,
      Optional<ShareStore.Stored> stored,
      List<String> recipients,
      ShareItems.Item item) {
    long version = stored.map(s -> s.version().version() + 1).orElse(1L);
    ShareBinding binding =
        new ShareBinding(
            share.getMetadata().getNamespace(),
            share.getSpec().getOwner(),
            share.getMetadata().getName(),
            version,
            recipients);
    KeyProvider provider = kek.forChain(chain);
    try (SecretBytes otk = OneTimeKeys.fresh(binding);
        SecretBytes tenantShare = tenantShares.read(chain)) {
      var keyId = OneTimeKeys.keyId(otk);
      SealedItem sealedItem = SealedItem.seal(otk, item.plaintext(), binding);
      SealedKey sealedKey =
          Envelope.seal(
              provider,
              otk,
              tenantShare,
              OneTimeKeys.envelope(chain.getMetadata().getName(), binding, keyId));
      ShareStore.Version v =
          new ShareStore.Version(
              version,
              share.getSpec().getOwner(),
              recipients,
              chain.getMetadata().getName(),
              item.source(),
              keyId.hex(),
              Instant.now().toString());
      store.write(share, stored, v, sealedKey, sealedItem);
      metrics.shareVersions.labelValues(share.getMetadata().getNamespace()).inc();
      events.normal(
          share,
          AuditEventType.STATE_CHANGED,
          "VersionCreated",
          "version "
              + version
              + " under one-time key "
              + keyId.shortForm()
              + " for "
              + share.getMetadata().getNamespace()
              + "/"
              + share.getSpec().getOwner()
              + " and "
              + String.join(", ", recipients)
              + (stored.isPresent() ? "; version " + (version - 1) + " is no longer served" : ""));
      return v;
    } catch (IOException e) {
      throw new ChainProblem(
          "StoreUnavailable", "cannot write the share's store: " + e.getMessage());
    }
  }

  private static void project(KeyShareStatus status, ShareStore.Version v) {
    status.setVersion(v.version());
    status.setKeyId(v.keyId());
    status.setVersionedAt(v.versionedAt());
  }

  /** Deleting the share wipes it: its store (the sealed key and item) goes first. */
  @Override
  public DeleteControl cleanup(KeyShare share, Context<KeyShare> context) {
    store.delete(share.getMetadata().getNamespace(), share.getMetadata().getName());
    events.normal(
        share,
        AuditEventType.STATE_CHANGED,
        "ShareDeleted",
        "every version of the share was wiped; agents delete their files at their next handshake");
    return DeleteControl.defaultDelete();
  }
}
