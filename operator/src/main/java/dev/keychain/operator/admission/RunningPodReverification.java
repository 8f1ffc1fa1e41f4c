package dev.keychain.operator.admission;

import dev.keychain.core.audit.AuditEventType;
import dev.keychain.operator.api.v1alpha1.NonCompliantPodStatus;
import dev.keychain.operator.api.v1alpha1.RunningPodsStatus;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.status.KubernetesEvents;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Verifies the running pods a whitelist governs again, when the whitelist changes (a new
 * compilation: signer removed, key replaced, threshold raised, credentials changed) and every
 * {@code spec.runningPods.interval}, and acts on those it no longer verifies: Report (status,
 * metric, a Warning event on the pod, an audit record), Restrict (the same; the agent endpoint
 * refuses their keys on its own, see {@link RunningImages#judgeByRestrictingWhitelists}), Evict
 * (the same, and the Eviction API). Run by the leader, from the whitelist reconcilers.
 *
 * <p>Only a verdict against the pod decides: a pod whose digest is not reported yet, or that cannot
 * be verified now (registry or notary unavailable, the whitelist unusable), is counted and never
 * acted on, so that an outage or a typo does not evict a cluster. Pods of the operator's namespace
 * are never judged.
 */
@Singleton
public class RunningPodReverification {
  private static final Logger LOG = Logger.getLogger(RunningPodReverification.class);
  static final int LISTED = 10;
  private static final long PAGE = 500;
  private static final Duration LABELS_WAIT = Duration.ofSeconds(2);

  /** What the latest run was made against, when, and what was done to each pod (by UID). */
  private record Last(String fingerprint, Instant at, Map<String, String> actions) {}

  private final KubernetesClient client;
  private final RunningImages runningImages;
  private final NamespaceLabels namespaceLabels;
  private final KubernetesEvents events;
  private final OperatorMetrics metrics;
  private final String operatorNamespace;
  private final Clock clock;
  private final Map<String, Last> last = new ConcurrentHashMap<>();

  public RunningPodReverification(
      KubernetesClient client,
      RunningImages runningImages,
      NamespaceLabels namespaceLabels,
      KubernetesEvents events,
      OperatorMetrics metrics,
      @ConfigProperty(name = "keychain.operator.namespace") String operatorNamespace) {
    this.client = client;
    this.runningImages = runningImages;
    this.namespaceLabels = namespaceLabels;
    this.events = events;
    this.metrics = metrics;
    this.operatorNamespace = operatorNamespace;
    this.clock = Clock.systemUTC();
  }

  /**
   * The running pods' status of {@code wl}: verified again now if it changed, its interval passed
   * or {@code previous} is lost; else {@code previous}.
   */
  RunningPodsStatus status(CompiledWhitelist wl, RunningPodsStatus previous) {
    Instant now = clock.instant();
    Last l = last.get(wl.id());
    boolean due =
        previous == null
            || l == null
            || !l.fingerprint().equals(wl.fingerprint())
            || !now.isBefore(l.at().plus(wl.runningPods().interval()));
    if (!due) {
      return previous;
    }
    Map<String, String> before = l == null ? Map.of() : l.actions();
    Map<String, String> actions = new HashMap<>();
    RunningPodsStatus status = new RunningPodsStatus();
    status.setVerifiedAt(now.toString());
    status.setGeneration(wl.generation());
    status.setAction(wl.runningPodAction().spelling());
    int governed = 0;
    int nonCompliant = 0;
    int undecided = 0;
    int pending = 0;
    List<NonCompliantPodStatus> listed = new ArrayList<>();
    List<Pod> pods;
    try {
      pods = pods(wl);
    } catch (KubernetesClientException e) {
      LOG.warnf("cannot list the pods %s governs: %s", wl.label(), e.getMessage());
      return previous; // the next look tries again
    }
    for (Pod pod : pods) {
      Optional<RunningImages.Judgement> judged = judge(wl, pod);
      if (judged.isEmpty()) {
        continue;
      }
      governed++;
      RunningImages.Judgement j = judged.get();
      switch (j.kind()) {
        case VERIFIED -> {}
        case NOT_REPORTED -> pending++;
        case UNKNOWN -> undecided++;
        case NOT_VERIFIED -> {
          nonCompliant++;
          String uid = pod.getMetadata().getUid();
          String action = act(wl, pod, j, before.get(uid));
          actions.put(uid, action);
          if (listed.size() < LISTED) {
            NonCompliantPodStatus p = new NonCompliantPodStatus();
            p.setNamespace(pod.getMetadata().getNamespace());
            p.setName(pod.getMetadata().getName());
            p.setMessage(j.message());
            p.setAction(action);
            listed.add(p);
          }
        }
      }
    }
    status.setGoverned(governed);
    status.setNonCompliant(nonCompliant);
    status.setUndecided(undecided);
    status.setPods(listed);
    int[] counts = {
      governed - nonCompliant - undecided - pending, nonCompliant, undecided, pending
    };
    for (int i = 0; i < counts.length; i++) {
      metrics
          .whitelistRunningPods
          .labelValues(wl.namespace(), wl.name(), OperatorMetrics.RUNNING_POD_STATES.get(i))
          .set(counts[i]);
    }
    last.put(wl.id(), new Last(wl.fingerprint(), now, Map.copyOf(actions)));
    return status;
  }

  /** When the next run of {@code wl} is due, for the reconciler's next look. */
  Duration untilDue(CompiledWhitelist wl) {
    Last l = last.get(wl.id());
    if (l == null) {
      return Duration.ZERO;
    }
    Duration d = Duration.between(clock.instant(), l.at().plus(wl.runningPods().interval()));
    return d.isNegative() ? Duration.ZERO : d;
  }

  /** Forgets a whitelist that no longer exists. */
  void forget(String namespace, String name) {
    last.remove(CompiledWhitelist.id(namespace, name));
  }

  /** The judgement of {@code wl} on the containers of {@code pod} it governs; empty: none. */
  private Optional<RunningImages.Judgement> judge(CompiledWhitelist wl, Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    if (ns.equals(operatorNamespace)
        || pod.getMetadata().getDeletionTimestamp() != null
        || (pod.getStatus() != null
            && ("Succeeded".equals(pod.getStatus().getPhase())
                || "Failed".equals(pod.getStatus().getPhase())))) {
      return Optional.empty();
    }
    if (wl.selective()) {
      Optional<Map<String, String>> labels =
          namespaceLabels.await(ns, System.nanoTime() + LABELS_WAIT.toNanos());
      if (labels.isEmpty()) {
        return Optional.empty(); // not known yet: the next run sees it
      }
      if (!wl.governs(ns, labels.get())) {
        return Optional.empty();
      }
    }
    return runningImages.judgeGoverned(pod, wl);
  }

  /**
   * Does what {@code wl}'s action says to a pod it no longer verifies and returns what was done; an
   * action that differs from {@code before} (the previous run's) is an event and an audit record.
   */
  private String act(CompiledWhitelist wl, Pod pod, RunningImages.Judgement j, String before) {
    String action =
        switch (wl.runningPodAction()) {
          case REPORT -> "Reported";
          case RESTRICT -> "Restricted";
          case EVICT -> evict(pod);
        };
    metrics.whitelistRunningPodActions.labelValues(wl.namespace(), wl.name(), action).inc();
    if (!action.equals(before)) {
      String message =
          "pod "
              + pod.getMetadata().getNamespace()
              + "/"
              + pod.getMetadata().getName()
              + " runs an image "
              + wl.label()
              + " no longer verifies: "
              + j.message()
              + "; "
              + describe(action);
      events.warning(pod, AuditEventType.POD_NOT_COMPLIANT, action, message);
      LOG.infof("%s", message);
    }
    return action;
  }

  private static String describe(String action) {
    return switch (action) {
      case "Reported" -> "reported (runningPods.action Report)";
      case "Restricted" ->
          "its key-chain agents are refused their keys (runningPods.action Restrict)";
      case "Evicted" -> "evicted (runningPods.action Evict)";
      case "EvictionBlocked" ->
          "eviction refused by a PodDisruptionBudget, retried at the next verification; its agents"
              + " are refused their keys meanwhile";
      default ->
          "eviction failed, retried at the next verification; its agents are refused their"
              + " keys meanwhile";
    };
  }

  private String evict(Pod pod) {
    try {
      boolean evicted =
          client
              .pods()
              .inNamespace(pod.getMetadata().getNamespace())
              .withName(pod.getMetadata().getName())
              .evict();
      return evicted ? "Evicted" : "EvictionBlocked";
    } catch (KubernetesClientException e) {
      LOG.warnf(
          "cannot evict pod %s/%s: API server answered %d: %s",
          pod.getMetadata().getNamespace(),
          pod.getMetadata().getName(),
          e.getCode(),
          e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage());
      return "EvictionFailed";
    }
  }

  /** The pods of the namespace {@code wl} lives in, or of every namespace; read by pages. */
  private List<Pod> pods(CompiledWhitelist wl) {
    List<Pod> pods = new ArrayList<>();
    String next = null;
    do {
      var options = new ListOptionsBuilder().withLimit(PAGE).withContinue(next).build();
      PodList page =
          wl.clusterScoped()
              ? client.pods().inAnyNamespace().list(options)
              : client.pods().inNamespace(wl.namespace()).list(options);
      pods.addAll(page.getItems());
      next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
    } while (next != null && !next.isEmpty());
    return pods;
  }
}
