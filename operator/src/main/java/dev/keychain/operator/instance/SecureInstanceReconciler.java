package dev.keychain.operator.instance;

import dev.keychain.core.audit.AuditEventType;
import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.SubKeySize;
import dev.keychain.core.keyset.InstanceKeys;
import dev.keychain.core.keyset.InstanceKeyset;
import dev.keychain.core.lifecycle.AuthorizationRow;
import dev.keychain.core.lifecycle.IllegalTransitionException;
import dev.keychain.core.lifecycle.InstanceState;
import dev.keychain.core.lifecycle.KeyAction;
import dev.keychain.core.lifecycle.Lifecycle;
import dev.keychain.core.lifecycle.LifecycleEvent;
import dev.keychain.core.lifecycle.Timestamps;
import dev.keychain.core.lifecycle.Transition;
import dev.keychain.operator.admission.RunningImages;
import dev.keychain.operator.api.v1alpha1.AgentStatus;
import dev.keychain.operator.api.v1alpha1.ClusterSignerWhitelist;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.api.v1alpha1.SecureInstanceStatus;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.TimestampsStatus;
import dev.keychain.operator.chain.ChainProblem;
import dev.keychain.operator.chain.ChainState;
import dev.keychain.operator.chain.ChainVault;
import dev.keychain.operator.chain.OpenChains;
import dev.keychain.operator.chain.SealedChain;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.pods.AgentPodAnnotations;
import dev.keychain.operator.selectors.LabelSelectors;
import dev.keychain.operator.status.Conditions;
import dev.keychain.operator.status.KubernetesEvents;
import dev.keychain.operator.status.StatusPatch;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reconciles a SecureInstance through seed 000's lifecycle: keeps its row of the authorization
 * table in status (session number, state, authority level, group, agents, timestamps n/c/d/m/l) and
 * carries out what each transition does to the keys: Running grants, Paused and Stopped restrict,
 * Restart rotates the sub keys in two phases and runs again (or falls back to Stopped), Deleted
 * revokes and deletes the instance, a group change re-keys under the new group.
 *
 * <p>The row itself is stored in the chain's keyset (the store of record, written with optimistic
 * concurrency); the status is a projection of it, written here and nowhere else, and rewritten when
 * someone else changed it.
 */
// Status changes are events too: a status patched, restored or deleted by someone else is
// rewritten from the keyset straight away, not at the next resync.
@ControllerConfiguration(name = "secureinstance", generationAwareEventProcessing = false)
public class SecureInstanceReconciler
    implements Reconciler<SecureInstance>, Cleaner<SecureInstance> {
  static final Duration RESYNC = Duration.ofMinutes(10);
  static final Duration RETRY = Duration.ofSeconds(15);
  static final Duration ROTATION_TIMEOUT = Duration.ofMinutes(2);

  private static final String PODS = "pods";
  private static final String CHAINS = "keychains";
  private static final String WHITELISTS = "signerwhitelists";
  private static final String CLUSTER_WHITELISTS = "clustersignerwhitelists";
  private static final String KEYSET_CHANGED = "KeysetChanged";

  private final ChainVault vault;
  private final OpenChains openChains;
  private final KubernetesClient client;
  private final KubernetesEvents events;
  private final OperatorMetrics metrics;
  private final RunningImages runningImages;

  public SecureInstanceReconciler(
      ChainVault vault,
      OpenChains openChains,
      KubernetesClient client,
      KubernetesEvents events,
      OperatorMetrics metrics,
      RunningImages runningImages) {
    this.vault = vault;
    this.openChains = openChains;
    this.client = client;
    this.events = events;
    this.metrics = metrics;
    this.runningImages = runningImages;
  }

  /**
   * Injected pods (by the injection label only) wake the instance named on them; KeyChains wake the
   * instances that use them. Reconciles read both from these caches, never from the API server.
   */
  @Override
  public List<EventSource<?, SecureInstance>> prepareEventSources(
      EventSourceContext<SecureInstance> context) {
    var pods =
        InformerEventSourceConfiguration.from(Pod.class, SecureInstance.class)
            .withName(PODS)
            .withLabelSelector(AgentPodAnnotations.AGENT_LABEL + "=injected")
            .withSecondaryToPrimaryMapper(
                pod -> {
                  Map<String, String> annotations = pod.getMetadata().getAnnotations();
                  String instance =
                      annotations == null ? null : annotations.get(AgentPodAnnotations.INSTANCE);
                  return instance == null
                      ? Set.of()
                      : Set.of(new ResourceID(instance, pod.getMetadata().getNamespace()));
                })
            .build();
    var chains =
        InformerEventSourceConfiguration.from(KeyChain.class, SecureInstance.class)
            .withName(CHAINS)
            .withPrimaryToSecondaryMapper(
                (SecureInstance si) ->
                    Set.of(
                        new ResourceID(
                            si.getSpec().getKeyChain(), si.getMetadata().getNamespace())))
            .withSecondaryToPrimaryMapper(
                chain ->
                    context
                        .getPrimaryCache()
                        .list(chain.getMetadata().getNamespace())
                        .filter(
                            si ->
                                si.getSpec() != null
                                    && chain
                                        .getMetadata()
                                        .getName()
                                        .equals(si.getSpec().getKeyChain()))
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .build();
    // A whitelist change re-judges the running pods of the instances it can concern: those of its
    // namespace (a ClusterSignerWhitelist: all), by name or by its runningPods action.
    var whitelists = whitelistSource(SignerWhitelist.class, WHITELISTS, context);
    var clusterWhitelists =
        whitelistSource(ClusterSignerWhitelist.class, CLUSTER_WHITELISTS, context);
    return List.of(
        new InformerEventSource<>(pods, context),
        new InformerEventSource<>(chains, context),
        new InformerEventSource<>(whitelists, context),
        new InformerEventSource<>(clusterWhitelists, context));
  }

  /**
   * Whitelists of {@code type} wake the instances of their namespace (a cluster-scoped one: all),
   * on spec changes only: status writes (re-verification, last denials) change no verdict.
   */
  private static <W extends io.fabric8.kubernetes.api.model.HasMetadata>
      InformerEventSourceConfiguration<W> whitelistSource(
          Class<W> type, String name, EventSourceContext<SecureInstance> context) {
    return InformerEventSourceConfiguration.from(type, SecureInstance.class)
        .withName(name)
        .withOnUpdateFilter(
            (newer, older) ->
                !java.util.Objects.equals(
                    newer.getMetadata().getGeneration(), older.getMetadata().getGeneration()))
        .withSecondaryToPrimaryMapper(
            wl -> {
              String ns = wl.getMetadata().getNamespace();
              return (ns == null
                      ? context.getPrimaryCache().list()
                      : context.getPrimaryCache().list(ns))
                  .map(ResourceID::fromResource)
                  .collect(Collectors.toSet());
            })
        .build();
  }

  /**
   * Whether admission has compiled every whitelist that can judge the instance's pods as they are
   * now: a whitelist event can reach this reconciler before admission's own informer, and the pods
   * are then judged again shortly.
   */
  @SuppressWarnings("unchecked")
  private boolean whitelistsCompiled(SecureInstance si, Context<SecureInstance> context) {
    var namespaced =
        (InformerEventSource<SignerWhitelist, SecureInstance>)
            context.eventSourceRetriever().getEventSourceFor(SignerWhitelist.class, WHITELISTS);
    var cluster =
        (InformerEventSource<ClusterSignerWhitelist, SecureInstance>)
            context
                .eventSourceRetriever()
                .getEventSourceFor(ClusterSignerWhitelist.class, CLUSTER_WHITELISTS);
    return namespaced.list(si.getMetadata().getNamespace()).allMatch(runningImages::compiledAsOf)
        && cluster.list().allMatch(runningImages::compiledAsOf);
  }

  @Override
  public UpdateControl<SecureInstance> reconcile(
      SecureInstance si, Context<SecureInstance> context) {
    SecureInstanceStatus status =
        si.getStatus() == null ? new SecureInstanceStatus() : si.getStatus();
    long generation = si.getMetadata().getGeneration();
    status.setObservedGeneration(generation);
    Duration next = RESYNC;
    boolean deleteNow = false;
    try {
      KeyChain chain = chainOf(si, context);
      if (chain == null) {
        throw new ChainProblem(
            "KeyChainNotFound",
            "KeyChain "
                + si.getSpec().getKeyChain()
                + " does not exist in namespace "
                + si.getMetadata().getNamespace());
      }
      if (chain.getStatus() == null
          || !Conditions.isTrue(chain.getStatus().getConditions(), Conditions.READY)) {
        throw new ChainProblem(
            "KeyChainNotReady", "KeyChain " + chain.getMetadata().getName() + " is not Ready yet");
      }
      {
        SealedChain sealed =
            vault.cached(chain).orElseThrow(() -> ChainProblem.notInitialized(chain));
        ChainState.Group group = sealed.state().groups().get(si.getSpec().getClusterGroup());
        if (group == null || group.isRemoved()) {
          throw new ChainProblem(
              "UnknownGroup",
              "cluster group "
                  + si.getSpec().getClusterGroup()
                  + " is not a group of KeyChain "
                  + chain.getMetadata().getName()
                  + " (groups: "
                  + sealed.state().groups().entrySet().stream()
                      .filter(e -> !e.getValue().isRemoved())
                      .map(Map.Entry::getKey)
                      .collect(Collectors.joining(", "))
                  + ")");
        }
        String ns = si.getMetadata().getNamespace();
        String name = si.getMetadata().getName();
        InstanceKeyset keyset = sealed.instances();
        Optional<InstanceKeys> stored = keyset.get(ns, name);
        // Events and metrics of what this reconcile does, told once the row is stored.
        List<Runnable> effects = new ArrayList<>();
        Optional<InstanceKeys> before;
        if (stored.isPresent()) {
          before = stored;
          correctStatus(si, status, stored.get());
        } else {
          before = adoptFromStatus(si, status, keyset.firstEpochFor(ns, name), effects);
        }
        // The instance's live agents serve the rotation check and the agent list.
        List<Pod> pods = livePods(si, context);
        Outcome outcome =
            advance(si, before, keyset.firstEpochFor(ns, name), generation, pods, effects);
        InstanceKeys keys = outcome.keys();
        if (!stored.equals(Optional.of(keys))) {
          vault.storeInstances(
              chain,
              current -> {
                // The row was read from this replica's view: written only over that very row.
                if (!current.get(ns, name).equals(stored)) {
                  throw new ChainProblem(
                      KEYSET_CHANGED, "the stored row of " + name + " changed; reconciling again");
                }
                return current.with(ns, name, keys);
              });
        }
        effects.forEach(Runnable::run);
        deleteNow = outcome.delete();
        project(status, keys);
        status.setSessionNumber(sealed.state().sessionKeyId());
        status.setAuthorityLevel(AuthorizationRow.AUTHORITY_LEVEL);
        status.setGroupEpoch(group.epoch());
        refreshAgents(si, status, chain, pods, keys, group.epoch());
        if (!pods.isEmpty() && !whitelistsCompiled(si, context)) {
          next = Duration.ofSeconds(2);
        }
        if (outcome.waiting()) {
          throw new ChainProblem(
              "RotationPending",
              "waiting for agents to acknowledge sub-key epoch " + keys.pendingSubKeyEpoch());
        }
      }
      boolean restricted = Boolean.TRUE.equals(status.getRestricted());
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              Conditions.READY,
              true,
              status.getState() == InstanceState.Running ? "KeysGranted" : "KeysRestricted",
              status.getState()
                  + (restricted ? ": agents are refused keys" : ": agents receive their sub keys")
                  + " (group "
                  + status.getClusterGroup()
                  + ", group epoch "
                  + status.getGroupEpoch()
                  + ", sub-key epoch "
                  + status.getSubKeyEpoch()
                  + ")",
              generation));
      if (status.getState() == InstanceState.Restart) {
        next = next.compareTo(Duration.ofSeconds(2)) < 0 ? next : Duration.ofSeconds(2);
      }
      metrics.reconciles.labelValues("SecureInstance", "success").inc();
    } catch (ChainProblem problem) {
      if (problem.reason().equals(KEYSET_CHANGED)) {
        // This replica's view of the keyset was behind; nothing was written. Not the user's
        // concern: reconcile again shortly, with the view caught up.
        return UpdateControl.<SecureInstance>noUpdate().rescheduleAfter(Duration.ofSeconds(1));
      }
      status.setConditions(
          events.notReady(
              si, status.getConditions(), problem.reason(), problem.getMessage(), generation));
      metrics.reconciles.labelValues("SecureInstance", "problem").inc();
      next = RETRY;
    } catch (IllegalTransitionException e) {
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              Conditions.READY,
              false,
              "IllegalTransition",
              e.getMessage(),
              generation));
      events.warning(si, AuditEventType.STATE_CHANGED, "IllegalTransition", e.getMessage());
      metrics.reconciles.labelValues("SecureInstance", "problem").inc();
    }
    if (deleteNow) {
      // Deleted: the keys are revoked; the finalizer records it and the object goes away.
      client.resource(si).delete();
    }
    return UpdateControl.patchStatus(StatusPatch.of(si, status, SecureInstance::new))
        .rescheduleAfter(next);
  }

  /** What one reconcile did to the instance's row. */
  private record Outcome(InstanceKeys keys, boolean delete, boolean waiting) {}

  /**
   * Feeds the lifecycle state machine with what changed since the row was stored, and applies the
   * key actions of each transition to the row.
   */
  private Outcome advance(
      SecureInstance si,
      Optional<InstanceKeys> stored,
      long firstEpoch,
      long generation,
      List<Pod> pods,
      List<Runnable> effects)
      throws IllegalTransitionException {
    Instant now = Instant.now();
    List<LifecycleEvent> pending = new ArrayList<>();
    InstanceState desired = si.getSpec().getState();
    // Restart is a request: carried out once per generation of the spec.
    if (desired == InstanceState.Restart
        && stored.isPresent()
        && stored.get().restartedGeneration() == generation) {
      desired = InstanceState.Running;
    }
    Optional<InstanceKeys> keys = stored;
    if (keys.isEmpty()) {
      pending.add(new LifecycleEvent.Create(desired, si.getSpec().getClusterGroup()));
    } else {
      InstanceKeys current = keys.get();
      if (current.state() == InstanceState.Restart) {
        Optional<Boolean> outcome = rotationOutcome(current, pods, now, effects);
        if (outcome.isEmpty()) {
          return new Outcome(current, false, true);
        }
        keys = Optional.of(current.promoted());
        pending.add(new LifecycleEvent.RestartOutcome(outcome.get()));
      }
      if (!si.getSpec().getClusterGroup().equals(current.group())) {
        pending.add(new LifecycleEvent.Move(si.getSpec().getClusterGroup()));
      }
      if (desired != current.state() && current.state() != InstanceState.Restart) {
        pending.add(new LifecycleEvent.RequestState(desired));
      }
    }
    boolean delete = false;
    for (LifecycleEvent event : pending) {
      Transition t = Lifecycle.apply(keys.map(InstanceKeys::row), event, now);
      if (t.isNoOp()) {
        continue;
      }
      InstanceKeys next =
          keys.map(k -> k.withRow(t.row()))
              .orElseGet(() -> InstanceKeys.enrolled(t.row(), firstEpoch));
      for (KeyAction action : t.actions()) {
        switch (action) {
          case GRANT -> effects.add(() -> metrics.restrictions.labelValues("granted").inc());
          case RESTRICT -> effects.add(() -> metrics.restrictions.labelValues("restricted").inc());
          case ROTATE_SUB_KEYS ->
              // Phase one: the new epoch is stored before any agent is served it.
              next = next.withPending(next.highestEpoch() + 1).withRestartedGeneration(generation);
          case REVOKE_SUBTREE -> {
            effects.add(() -> metrics.revocations.labelValues("SecureInstance").inc());
            delete = true;
          }
          case REKEY_UNDER_GROUP ->
              effects.add(() -> metrics.rotations.labelValues("move", "success").inc());
        }
      }
      keys = Optional.of(next);
      effects.add(() -> events.normal(si, audited(t), reason(t), t.description()));
    }
    // Only a Create can leave no row, and a Create is never a no-op.
    return new Outcome(keys.orElseThrow(), delete, false);
  }

  /**
   * Phase two of a sub-key rotation: succeeded when every agent that enrolled has acknowledged the
   * new epoch (agents that never enrolled hold no key to retire), failed after two minutes, empty
   * while still waiting. Either way the old epoch is not served again.
   */
  private Optional<Boolean> rotationOutcome(
      InstanceKeys keys, List<Pod> pods, Instant now, List<Runnable> effects) {
    Long pending = keys.pendingSubKeyEpoch();
    if (pending == null) {
      return Optional.of(false);
    }
    // Acknowledgements are read from the pods themselves (the agent endpoint records them there).
    boolean acknowledged =
        pods.stream()
            .map(p -> p.getMetadata().getAnnotations())
            .filter(a -> a != null && a.containsKey(AgentPodAnnotations.ACK_SEEN))
            .allMatch(a -> pending.toString().equals(a.get(AgentPodAnnotations.ACK_EPOCH)));
    if (acknowledged) {
      effects.add(() -> metrics.rotations.labelValues("subkey", "success").inc());
      return Optional.of(true);
    }
    Instant since = keys.row().timestamps().changed();
    if (since == null || since.plus(ROTATION_TIMEOUT).isBefore(now)) {
      effects.add(() -> metrics.rotations.labelValues("subkey", "failure").inc());
      return Optional.of(false);
    }
    return Optional.empty();
  }

  /**
   * An instance with no row in the keyset but a row in its status was reconciled by a build that
   * kept key state in status: its row is taken over once, never below an epoch the keyset already
   * retired under that name.
   */
  private Optional<InstanceKeys> adoptFromStatus(
      SecureInstance si, SecureInstanceStatus status, long firstEpoch, List<Runnable> effects) {
    Optional<AuthorizationRow> row = row(status);
    if (row.isEmpty() || row.get().clusterGroup() == null || row.get().clusterGroup().isEmpty()) {
      return Optional.empty();
    }
    long sub = Math.max(firstEpoch, status.getSubKeyEpoch() == null ? 0 : status.getSubKeyEpoch());
    Long pending = status.getPendingSubKeyEpoch();
    if (pending != null && pending <= sub) {
      pending = null;
    }
    long restarted = status.getRestartedGeneration() == null ? 0 : status.getRestartedGeneration();
    InstanceKeys adopted = new InstanceKeys(row.get(), sub, pending, restarted);
    effects.add(
        () ->
            events.normal(
                si,
                AuditEventType.STATE_CHANGED,
                "AdoptedFromStatus",
                "key state taken over from status into the chain keyset (state "
                    + adopted.state()
                    + ", sub-key epoch "
                    + adopted.subKeyEpoch()
                    + ")"));
    return Optional.of(adopted);
  }

  /**
   * The status is only a view of the keyset: if it says something else (deleted, restored from an
   * older copy, patched), that is worth a Warning and an audit record; the projection then rewrites
   * it.
   */
  private void correctStatus(SecureInstance si, SecureInstanceStatus status, InstanceKeys keys) {
    boolean agrees =
        row(status).equals(Optional.of(keys.row()))
            && Long.valueOf(keys.subKeyEpoch()).equals(status.getSubKeyEpoch())
            && java.util.Objects.equals(keys.pendingSubKeyEpoch(), status.getPendingSubKeyEpoch())
            && Long.valueOf(keys.restartedGeneration()).equals(status.getRestartedGeneration());
    if (agrees) {
      return;
    }
    events.warning(
        si,
        AuditEventType.STATE_CHANGED,
        "StatusCorrected",
        "status disagreed with the chain keyset (status: state "
            + status.getState()
            + ", sub-key epoch "
            + status.getSubKeyEpoch()
            + "; keyset: state "
            + keys.state()
            + ", sub-key epoch "
            + keys.subKeyEpoch()
            + "); rewritten from the keyset");
    if (status.getPendingSubKeyEpoch() != null && keys.pendingSubKeyEpoch() == null) {
      // Server-side apply leaves a field another manager set alone when we omit it; clear it.
      client
          .resources(SecureInstance.class)
          .inNamespace(si.getMetadata().getNamespace())
          .withName(si.getMetadata().getName())
          .subresource("status")
          .patch(
              PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"pendingSubKeyEpoch\":null}}");
    }
  }

  /** The status fields that show the stored row: written here only. */
  private static void project(SecureInstanceStatus status, InstanceKeys keys) {
    write(status, keys.row());
    status.setSubKeyEpoch(keys.subKeyEpoch());
    status.setPendingSubKeyEpoch(keys.pendingSubKeyEpoch());
    status.setRestartedGeneration(keys.restartedGeneration());
  }

  /** What a transition did to keys, as the audit log records it. */
  private static AuditEventType audited(Transition t) {
    if (t.actions().contains(KeyAction.REVOKE_SUBTREE)) {
      return AuditEventType.KEY_REVOKED;
    }
    if (t.actions().contains(KeyAction.ROTATE_SUB_KEYS)
        || t.actions().contains(KeyAction.REKEY_UNDER_GROUP)) {
      return AuditEventType.KEY_ROTATED;
    }
    return AuditEventType.STATE_CHANGED;
  }

  private static String reason(Transition t) {
    return switch (t.row().state()) {
      case Running ->
          t.actions().contains(KeyAction.REKEY_UNDER_GROUP) ? "MovedGroup" : "KeysGranted";
      case Paused, Stopped ->
          t.actions().contains(KeyAction.REKEY_UNDER_GROUP) ? "MovedGroup" : "KeysRestricted";
      case Restart -> "SubKeysRotating";
      case Deleted -> "KeysRevoked";
    };
  }

  /**
   * The instance's injected pods (from the informer) that its selector still matches and that are
   * not being deleted, oldest first.
   */
  private static List<Pod> livePods(SecureInstance si, Context<SecureInstance> context) {
    return context
        .getSecondaryResourcesAsStream(Pod.class)
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(
            p -> LabelSelectors.matches(si.getSpec().getSelector(), p.getMetadata().getLabels()))
        .sorted(
            Comparator.comparing(
                (Pod p) -> p.getMetadata().getCreationTimestamp() + p.getMetadata().getName()))
        .toList();
  }

  /** The instance's KeyChain, from the informer; null if it does not exist. */
  private static KeyChain chainOf(SecureInstance si, Context<SecureInstance> context) {
    return context.getSecondaryResource(KeyChain.class, CHAINS).orElse(null);
  }

  /** Agents: the live pods, with stable agent numbers and current key IDs. */
  private void refreshAgents(
      SecureInstance si,
      SecureInstanceStatus status,
      KeyChain chain,
      List<Pod> pods,
      InstanceKeys keys,
      long groupEpoch) {
    Map<String, AgentStatus> known = new HashMap<>();
    for (AgentStatus a : status.getAgents()) {
      known.put(a.getPod(), a);
    }
    int nextNumber =
        status.getAgents().stream()
                .mapToInt(a -> a.getAgentNumber() == null ? 0 : a.getAgentNumber())
                .max()
                .orElse(0)
            + 1;
    SubKeySize size =
        SubKeySize.ofBits(
            chain.getSpec().getSubKeyBits() == null ? 128 : chain.getSpec().getSubKeyBits());
    boolean restricted = keys.restricted();
    List<AgentStatus> agents = new ArrayList<>();
    for (Pod pod : pods) {
      AgentStatus a = known.getOrDefault(pod.getMetadata().getName(), new AgentStatus());
      a.setPod(pod.getMetadata().getName());
      if (a.getAgentNumber() == null) {
        a.setAgentNumber(nextNumber++);
      }
      // an agent refused its key for the pod's images holds none, as under a restriction
      boolean refused = restricted || judgeImages(si, pod, a);
      a.setRestricted(refused);
      recordAcknowledgement(pod, a);
      if (refused) {
        a.setKeyId(null);
      } else {
        String agent = AgentIdentity.of(si, pod);
        a.setKeyId(
            openChains.with(
                chain,
                open -> {
                  try (ChainKey key =
                      open.subKey(keys.group(), groupEpoch, agent, keys.subKeyEpoch(), size)) {
                    return key.keyId().hex();
                  }
                }));
      }
      agents.add(a);
    }
    status.setAgents(agents);
    status.setAgentCount(agents.size());
  }

  /**
   * With a whitelist named, records the judgement on the pod's images (the agent endpoint makes the
   * same one before each grant) and says, once per change, when a pod is not verified. Returns
   * whether its agent is refused its key for it.
   */
  private boolean judgeImages(SecureInstance si, Pod pod, AgentStatus a) {
    String whitelist = si.getSpec().getSignerWhitelist();
    Optional<RunningImages.Judgement> named =
        Optional.ofNullable(whitelist).map(w -> runningImages.judge(pod, w));
    Optional<RunningImages.Judgement> restricting = runningImages.judgeByRestrictingWhitelists(pod);
    // the named whitelist's judgement unless it is VERIFIED and a restricting one is not
    Optional<RunningImages.Judgement> judged =
        named
            .filter(j -> j.kind() != RunningImages.Kind.VERIFIED)
            .or(() -> restricting.filter(j -> j.kind() == RunningImages.Kind.NOT_VERIFIED))
            .or(() -> named);
    if (judged.isEmpty()) {
      a.setImages(null);
      a.setImagesMessage(null);
      return false;
    }
    RunningImages.Judgement j = judged.get();
    String images =
        switch (j.kind()) {
          case VERIFIED -> "Verified";
          case NOT_VERIFIED -> "NotVerified";
          case NOT_REPORTED, UNKNOWN -> "Pending";
        };
    if (images.equals("NotVerified") && !images.equals(a.getImages())) {
      events.warning(si, AuditEventType.STATE_CHANGED, "ImagesNotVerified", j.message());
    }
    a.setImages(images);
    a.setImagesMessage(j.kind() == RunningImages.Kind.VERIFIED ? null : j.message());
    return j.kind() == RunningImages.Kind.NOT_VERIFIED;
  }

  /**
   * Takes the agent's acknowledgement (left on its pod by the agent endpoint of whichever replica
   * it handshook with) into the status, and names the agent number on injected pods.
   */
  private void recordAcknowledgement(Pod pod, AgentStatus a) {
    Map<String, String> annotations =
        pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations();
    String epoch = annotations.get(AgentPodAnnotations.ACK_EPOCH);
    if (epoch != null && epoch.matches("[0-9]{1,18}")) {
      a.setEpoch(Long.parseLong(epoch));
      a.setLastSeen(annotations.get(AgentPodAnnotations.ACK_SEEN));
    }
    String number = Integer.toString(a.getAgentNumber());
    if (annotations.containsKey(AgentPodAnnotations.INJECTED)
        && !number.equals(annotations.get(AgentPodAnnotations.AGENT_NUMBER))) {
      try {
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .patch(
                PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\""
                    + AgentPodAnnotations.AGENT_NUMBER
                    + "\":\""
                    + number
                    + "\"}}}");
      } catch (KubernetesClientException e) {
        // The number is in the status either way; the next reconcile tries again.
      }
    }
  }

  static Optional<AuthorizationRow> row(SecureInstanceStatus status) {
    if (status.getState() == null || status.getTimestamps() == null) {
      return Optional.empty();
    }
    TimestampsStatus t = status.getTimestamps();
    return Optional.of(
        new AuthorizationRow(
            status.getState(),
            Boolean.TRUE.equals(status.getRestricted()),
            status.getClusterGroup(),
            new Timestamps(
                instant(t.getCreated()),
                instant(t.getChanged()),
                instant(t.getDeleted()),
                instant(t.getMoved()),
                instant(t.getLast()))));
  }

  private static void write(SecureInstanceStatus status, AuthorizationRow row) {
    status.setState(row.state());
    status.setRestricted(row.restricted());
    status.setClusterGroup(row.clusterGroup());
    TimestampsStatus t = new TimestampsStatus();
    t.setCreated(text(row.timestamps().created()));
    t.setChanged(text(row.timestamps().changed()));
    t.setDeleted(text(row.timestamps().deleted()));
    t.setMoved(text(row.timestamps().moved()));
    t.setLast(text(row.timestamps().last()));
    status.setTimestamps(t);
  }

  private static Instant instant(String text) {
    return text == null ? null : Instant.parse(text);
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  @Override
  public DeleteControl cleanup(SecureInstance si, Context<SecureInstance> context) {
    String ns = si.getMetadata().getNamespace();
    String name = si.getMetadata().getName();
    KeyChain chain = chainOf(si, context);
    // The row leaves the keyset (its highest epoch stays behind as retired); a chain that is gone
    // took its keyset with it.
    if (chain != null && vault.cached(chain).isPresent()) {
      vault.storeInstances(chain, current -> current.without(ns, name));
    }
    metrics.revocations.labelValues("SecureInstance").inc();
    events.normal(
        si,
        AuditEventType.KEY_REVOKED,
        "KeysRevoked",
        "instance deleted: every key below it is revoked");
    return DeleteControl.defaultDelete();
  }
}
