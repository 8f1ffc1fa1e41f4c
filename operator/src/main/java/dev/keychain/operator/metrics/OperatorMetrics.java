package dev.keychain.operator.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Singleton;

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

  public PrometheusRegistry registry() {
    return registry;
  }
}
