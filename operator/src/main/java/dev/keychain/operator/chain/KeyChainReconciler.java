package dev.keychain.operator.chain;

import dev.keychain.core.audit.AuditEventType;
import dev.keychain.operator.api.v1alpha1.ClusterGroupSpec;
import dev.keychain.operator.api.v1alpha1.GroupStatus;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.KeyChainStatus;
import dev.keychain.operator.api.v1alpha1.MasterKeySpec;
import dev.keychain.operator.api.v1alpha1.RotationSpec;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.status.Conditions;
import dev.keychain.operator.status.KubernetesEvents;
import dev.keychain.operator.status.StatusPatch;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Reconciles a KeyChain: creates its session key (sealed in a Secret it owns), follows its group
 * list, rotates group keys on schedule and on request (two-phase), rewraps when the KEK rotates,
 * and reports key IDs, epochs and member counts. Its finalizer deletes the sealed keys first.
 */
@ControllerConfiguration(name = "keychain")
public class KeyChainReconciler implements Reconciler<KeyChain>, Cleaner<KeyChain> {
  private static final Logger LOG = Logger.getLogger(KeyChainReconciler.class);
  static final Duration RESYNC = Duration.ofMinutes(10);
  static final Duration RETRY = Duration.ofSeconds(20);

  private final ChainVault vault;
  private final KubernetesClient client;
  private final KubernetesEvents events;
  private final OperatorMetrics metrics;

  public KeyChainReconciler(
      ChainVault vault, KubernetesClient client, KubernetesEvents events, OperatorMetrics metrics) {
    this.vault = vault;
    this.client = client;
    this.events = events;
    this.metrics = metrics;
  }

  /**
   * KEK Secrets wake the chains that use them, so that a new kek.v<N> is rewrapped to at once;
   * SecureInstances wake their chain, whose status counts the members of each group.
   */
  @Override
  public List<EventSource<?, KeyChain>> prepareEventSources(EventSourceContext<KeyChain> context) {
    var config =
        InformerEventSourceConfiguration.from(Secret.class, KeyChain.class)
            .withName("kek-secrets")
            .withLabelSelector(KeyProviders.KEK_LABEL + "=true")
            .withSecondaryToPrimaryMapper(
                secret ->
                    context
                        .getPrimaryCache()
                        .list(secret.getMetadata().getNamespace())
                        .filter(kc -> secret.getMetadata().getName().equals(kekSecretName(kc)))
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .build();
    var instances =
        InformerEventSourceConfiguration.from(SecureInstance.class, KeyChain.class)
            .withName("secureinstances")
            .withSecondaryToPrimaryMapper(
                si ->
                    si.getSpec() == null || si.getSpec().getKeyChain() == null
                        ? Set.<ResourceID>of()
                        : Set.of(
                            new ResourceID(
                                si.getSpec().getKeyChain(), si.getMetadata().getNamespace())))
            .withOnUpdateFilter(
                (updated, old) ->
                    !java.util.Objects.equals(
                        updated.getSpec().getClusterGroup(), old.getSpec().getClusterGroup()))
            .build();
    return List.of(
        new InformerEventSource<>(config, context), new InformerEventSource<>(instances, context));
  }

  private static String kekSecretName(KeyChain kc) {
    MasterKeySpec spec = kc.getSpec() == null ? null : kc.getSpec().getMasterKey();
    return spec == null || !MasterKeySpec.KUBERNETES_SECRET.equals(spec.getProvider())
        ? null
        : spec.getSecretName();
  }

  @Override
  public UpdateControl<KeyChain> reconcile(KeyChain chain, Context<KeyChain> context) {
    KeyChainStatus previous = chain.getStatus() == null ? new KeyChainStatus() : chain.getStatus();
    KeyChainStatus status = new KeyChainStatus();
    status.setConditions(previous.getConditions());
    status.setObservedGeneration(chain.getMetadata().getGeneration());
    Duration next = RESYNC;
    try {
      Instant now = Instant.now();
      List<String> specGroups =
          chain.getSpec().getGroups().stream().map(ClusterGroupSpec::getName).toList();
      SealedChain sealed = vault.read(chain).orElse(null);
      if (sealed == null) {
        sealed = vault.create(chain, GroupEpochs.follow(emptyState(), specGroups, now).groups());
        events.normal(
            chain,
            AuditEventType.KEY_ISSUED,
            "ChainCreated",
            "session key "
                + sealed.state().sessionKeyId().substring(0, 16)
                + " created and sealed with "
                + sealed.session().kekId()
                + "; groups "
                + String.join(", ", specGroups));
      }
      ChainState followed = GroupEpochs.follow(sealed.state(), specGroups, now);
      if (!followed.equals(sealed.state())) {
        sealed = vault.store(chain, sealed, followed);
      }
      // Phase two of a rotation whose first phase an earlier run (maybe a crashed one) stored.
      sealed = commitPending(chain, sealed, now);
      Set<String> toRotate = new HashSet<>();
      RotationSpec rotation = chain.getSpec().getRotation();
      String requestId = rotation == null ? null : rotation.getRequestId();
      if (requestId != null && !requestId.equals(sealed.state().lastRotationRequestId())) {
        toRotate.addAll(specGroups);
      }
      Duration period = null;
      if (rotation != null && rotation.getGroupKeyPeriod() != null) {
        period = GroupEpochs.parseDuration(rotation.getGroupKeyPeriod());
        toRotate.addAll(GroupEpochs.due(sealed.state(), period, now));
      }
      if (!toRotate.isEmpty()) {
        sealed = vault.store(chain, sealed, GroupEpochs.issue(sealed.state(), toRotate, requestId));
        sealed = commitPending(chain, sealed, now);
      }
      String primaryKek = vault.primaryKekId(chain);
      if (!sealed.session().kekId().equals(primaryKek)) {
        String from = sealed.session().kekId();
        sealed = vault.rewrap(chain, sealed);
        events.normal(
            chain,
            AuditEventType.KEY_ROTATED,
            "KeysRewrapped",
            "session key rewrapped from " + from + " to " + primaryKek);
      }
      fillStatus(chain, sealed, status);
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              Conditions.READY,
              true,
              "KeysAvailable",
              "session key sealed with "
                  + sealed.session().kekId()
                  + "; "
                  + status.getGroupCount()
                  + " group key(s) at their current epochs",
              chain.getMetadata().getGeneration()));
      if (period != null) {
        Instant due = GroupEpochs.nextDue(sealed.state(), period);
        if (due != null) {
          Duration untilDue = Duration.between(Instant.now(), due).plusSeconds(1);
          next = untilDue.compareTo(next) < 0 ? untilDue : next;
        }
      }
      metrics.reconciles.labelValues("KeyChain", "success").inc();
    } catch (ChainProblem problem) {
      LOG.warnf(
          "KeyChain %s/%s: %s",
          chain.getMetadata().getNamespace(), chain.getMetadata().getName(), problem.getMessage());
      copyKnown(previous, status);
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              Conditions.READY,
              false,
              problem.reason(),
              problem.getMessage(),
              chain.getMetadata().getGeneration()));
      boolean alreadyReported =
          Conditions.isFalseFor(previous.getConditions(), Conditions.READY, problem.reason());
      if (!alreadyReported) {
        events.warning(chain, AuditEventType.STATE_CHANGED, problem.reason(), problem.getMessage());
      }
      metrics.reconciles.labelValues("KeyChain", "problem").inc();
      next = RETRY;
    }
    return UpdateControl.patchStatus(StatusPatch.of(chain, status, KeyChain::new))
        .rescheduleAfter(next);
  }

  private SealedChain commitPending(KeyChain chain, SealedChain sealed, Instant now) {
    if (!sealed.state().hasPendingRotation()) {
      return sealed;
    }
    Set<String> rotated = new HashSet<>();
    ChainState committed = GroupEpochs.commit(sealed.state(), now, rotated);
    SealedChain stored = vault.store(chain, sealed, committed);
    for (String group : rotated) {
      metrics.rotations.labelValues("group", "success").inc();
      events.normal(
          chain,
          AuditEventType.KEY_ROTATED,
          "GroupKeyRotated",
          "group " + group + " key rotated to epoch " + committed.groups().get(group).epoch());
    }
    return stored;
  }

  private void fillStatus(KeyChain chain, SealedChain sealed, KeyChainStatus status) {
    Map<String, Integer> members = new HashMap<>();
    for (SecureInstance si :
        client
            .resources(SecureInstance.class)
            .inNamespace(chain.getMetadata().getNamespace())
            .list()
            .getItems()) {
      if (si.getSpec() != null
          && chain.getMetadata().getName().equals(si.getSpec().getKeyChain())) {
        members.merge(si.getSpec().getClusterGroup(), 1, Integer::sum);
      }
    }
    try (OpenChain open = vault.open(chain, sealed)) {
      status.setSessionNumber(open.sessionNumber().hex());
      status.setChainKeyId(open.rootKeyId().hex());
      status.setRootEpoch(sealed.state().rootEpoch());
      status.setKekId(sealed.session().kekId());
      status.setLastRotationRequestId(sealed.state().lastRotationRequestId());
      List<GroupStatus> groups = new ArrayList<>();
      for (ClusterGroupSpec spec : chain.getSpec().getGroups()) {
        ChainState.Group g = sealed.state().groups().get(spec.getName());
        groups.add(
            new GroupStatus(
                spec.getName(),
                open.groupKeyId(spec.getName(), g.epoch()).hex(),
                g.epoch(),
                g.rotatedAt(),
                members.getOrDefault(spec.getName(), 0)));
        metrics
            .groupKeyEpochAge
            .labelValues(
                chain.getMetadata().getNamespace(), chain.getMetadata().getName(), spec.getName())
            .set(Duration.between(Instant.parse(g.rotatedAt()), Instant.now()).toSeconds());
      }
      status.setGroups(groups);
      status.setGroupCount(groups.size());
    }
  }

  private static void copyKnown(KeyChainStatus from, KeyChainStatus to) {
    to.setSessionNumber(from.getSessionNumber());
    to.setChainKeyId(from.getChainKeyId());
    to.setRootEpoch(from.getRootEpoch());
    to.setKekId(from.getKekId());
    to.setGroups(from.getGroups());
    to.setGroupCount(from.getGroupCount());
    to.setLastRotationRequestId(from.getLastRotationRequestId());
  }

  private static ChainState emptyState() {
    return new ChainState(null, 0, Map.of(), null);
  }

  @Override
  public DeleteControl cleanup(KeyChain chain, Context<KeyChain> context) {
    // Revoke first: the sealed keys go now, not whenever garbage collection gets to them.
    vault.destroy(chain);
    metrics.revocations.labelValues("KeyChain").inc();
    events.normal(
        chain,
        AuditEventType.KEY_REVOKED,
        "ChainRevoked",
        "sealed keys deleted; every key of this chain is revoked");
    return DeleteControl.defaultDelete();
  }
}
