package dev.keychain.operator.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * The operator's Prometheus metrics. Labels carry kinds, results, namespaces and names of
 * resources, and group names; never key material.
 */
@Singleton
public class OperatorMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();

  public final Counter reconciles =
      Counter.builder()
          .name("keychain_reconciles_total")
          .help("Reconciles by resource kind and result")
          .labelNames("kind", "result")
          .register(registry);

  public final Counter rotations =
      Counter.builder()
          .name("keychain_rotations_total")
          .help("Key rotations by level (group, subkey) and result")
          .labelNames("level", "result")
          .register(registry);

  public final Counter revocations =
      Counter.builder()
          .name("keychain_revocations_total")
          .help("Revocations of instance subtrees and chains, by kind")
          .labelNames("kind")
          .register(registry);

  public final Counter restrictions =
      Counter.builder()
          .name("keychain_restrictions_total")
          .help("Lifecycle restrictions and grants of instance keys, by result")
          .labelNames("result")
          .register(registry);

  public final Gauge groupKeyEpochAge =
      Gauge.builder()
          .name("keychain_group_key_epoch_age_seconds")
          .help("Seconds since each group key's current epoch began")
          .labelNames("namespace", "chain", "group")
          .register(registry);

  public final Gauge auditTamperFindings =
      Gauge.builder()
          .name("keychain_audit_tamper_findings")
          .help(
              "1 while an audit log has an unacknowledged verification failure (a tamper finding)")
          .labelNames("namespace", "log")
          .register(registry);

  public final Counter shareVersions =
      Counter.builder()
          .name("keychain_keyshare_versions_total")
          .help("KeyShare versions made (each a new one-time key), by namespace")
          .labelNames("namespace")
          .register(registry);

  public final Counter shareDeliveries =
      Counter.builder()
          .name("keychain_keyshare_deliveries_total")
          .help("KeyShare versions served to agents with their grants, or withheld, by result")
          .labelNames("result")
          .register(registry);

  public final Counter auditRecordsLost =
      Counter.builder()
          .name("keychain_audit_records_lost_total")
          .help(
              "Records an audit log selects but could not make durable (a full or failing disk), by log")
          .labelNames("namespace", "log")
          .register(registry);

  public final Counter auditForwarded =
      Counter.builder()
          .name("keychain_audit_forwarded_events_total")
          .help(
              "Audit events a non-leader replica sent to the leader, by result (recorded, retried, dropped)")
          .labelNames("result")
          .register(registry);

  public final Counter admissionReviews =
      Counter.builder()
          .name("keychain_admission_reviews_total")
          .help(
              "Image admission reviews by object kind and result (allowed, denied, not_governed, invalid)")
          .labelNames("kind", "result")
          .register(registry);

  public final Counter admissionPins =
      Counter.builder()
          .name("keychain_admission_pinned_images_total")
          .help("Images rewritten to their verified digest by the pinning webhook, by object kind")
          .labelNames("kind")
          .register(registry);

  public final Counter admissionImages =
      Counter.builder()
          .name("keychain_admission_image_decisions_total")
          .help("Per-image decisions by decision (allowed, denied, audited) and reason")
          .labelNames("decision", "reason")
          .register(registry);

  public final Counter whitelistDecisions =
      Counter.builder()
          .name("keychain_admission_whitelist_decisions_total")
          .help(
              "Per-image decisions of this replica by SignerWhitelist (namespace, whitelist) and decision (allowed, denied, audited); sum over replicas for the cluster")
          .labelNames("namespace", "whitelist", "decision")
          .register(registry);

  /** The states {@link #whitelistRunningPods} counts pods in. */
  public static final List<String> RUNNING_POD_STATES =
      List.of("compliant", "non_compliant", "undecided", "pending");

  public final Gauge whitelistRunningPods =
      Gauge.builder()
          .name("keychain_whitelist_running_pods")
          .help(
              "Running pods a whitelist governs at its latest re-verification (leader), by state: compliant, non_compliant, undecided (source unavailable), pending (digest not reported yet)")
          .labelNames("namespace", "whitelist", "state")
          .register(registry);

  public final Counter whitelistRunningPodActions =
      Counter.builder()
          .name("keychain_whitelist_running_pod_actions_total")
          .help(
              "Actions on running pods a whitelist no longer verifies, by action: Reported, Restricted, Evicted, EvictionBlocked, EvictionFailed")
          .labelNames("namespace", "whitelist", "action")
          .register(registry);

  /** Drops the series of a whitelist that no longer exists. */
  public void forgetWhitelist(String namespace, String name) {
    for (String decision : new String[] {"allowed", "denied", "audited"}) {
      whitelistDecisions.remove(namespace, name, decision);
    }
    for (String state : RUNNING_POD_STATES) {
      whitelistRunningPods.remove(namespace, name, state);
    }
    for (String action :
        List.of("Reported", "Restricted", "Evicted", "EvictionBlocked", "EvictionFailed")) {
      whitelistRunningPodActions.remove(namespace, name, action);
    }
  }

  public final Counter admissionCache =
      Counter.builder()
          .name("keychain_admission_cache_total")
          .help("Admission cache lookups by cache (verdict, tag) and result (hit, miss)")
          .labelNames("cache", "result")
          .register(registry);

  public final Histogram admissionUpstream =
      Histogram.builder()
          .name("keychain_admission_upstream_seconds")
          .help("Latency of upstream calls: registry tag resolution and signature verification")
          .labelNames("source")
          .classicUpperBounds(
              0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
          .register(registry);

  public final Histogram admissionReview =
      Histogram.builder()
          .name("keychain_admission_review_seconds")
          .help("Time to decide an admission review, server side")
          .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 10)
          .register(registry);

  public final Counter injections =
      Counter.builder()
          .name("keychain_injection_reviews_total")
          .help("Pod injection reviews by result (injected, skipped, rejected, invalid)")
          .labelNames("result")
          .register(registry);

  public final Histogram injectionReview =
      Histogram.builder()
          .name("keychain_injection_review_seconds")
          .help("Time to answer a pod injection review, server side")
          .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
          .register(registry);

  public final Counter handshakes =
      Counter.builder()
          .name("keychain_agent_handshakes_total")
          .help("Agent handshakes by result (granted, or the refusal reason)")
          .labelNames("result")
          .register(registry);

  public final Histogram handshakeSeconds =
      Histogram.builder()
          .name("keychain_agent_handshake_step_seconds")
          .help("Server-side time of each handshake step (hello, confirm)")
          .labelNames("step")
          .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
          .register(registry);

  public final Histogram confirmPhaseSeconds =
      Histogram.builder()
          .name("keychain_agent_confirm_phase_seconds")
          .help(
              "Server-side time of the parts of a handshake's confirm: membership (token review"
                  + " and pod), decide (keys, images), audit (the grant's records), acknowledge"
                  + " (the pod's annotation)")
          .labelNames("phase")
          .classicUpperBounds(
              0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 5)
          .register(registry);

  public PrometheusRegistry registry() {
    return registry;
  }
}
