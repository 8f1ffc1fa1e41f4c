package dev.keychain.bench.instances;

import dev.keychain.bench.BenchResources;
import dev.keychain.scenarios.OperatorProcess;
import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.ManagedProcess;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Load driver: how long N SecureInstances take to become Ready with the operator running against
 * the local control plane (target: 1,000 in < 60 s), and how that grows with N. Reference from the
 * same run: creating N plain ConfigMaps with the same client parallelism (the API server's own
 * write throughput), so the ratio says what the operator adds.
 *
 * <p>Usage: {@code bench/run-instances.sh [N ...]} (default 100 1000).
 */
public final class InstancesToReady {
  private static final int CLIENT_THREADS = 8;
  private static final ResourceDefinitionContext KEYCHAINS = BenchResources.KEYCHAINS;
  private static final ResourceDefinitionContext INSTANCES = BenchResources.INSTANCES;

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (String a : args) {
      sizes.add(Integer.parseInt(a));
    }
    if (sizes.isEmpty()) {
      sizes = List.of(100, 1000);
    }
    try (LocalControlPlane plane =
        LocalControlPlane.start(LocalControlPlane.Options.withControllerManager())) {
      OperatorProcess.installCrds(plane);
      try (ManagedProcess operator = OperatorProcess.start(plane, Map.of())) {
        System.out.println();
        System.out.println(
            "== SecureInstances to Ready (operator + local control plane, 2 cores) ==");
        System.out.printf(
            Locale.ROOT,
            "%6s | %10s | %12s | %22s | %6s%n",
            "N",
            "to Ready",
            "per instance",
            "reference: N ConfigMaps",
            "ratio");
        for (int n : sizes) {
          run(plane, n);
        }
      }
    }
  }

  private static void run(LocalControlPlane plane, int n) throws Exception {
    KubernetesClient client = plane.client();
    String ns = plane.newNamespace("bench-" + n);
    BenchResources.createChain(client, ns, "A", "B");
    waitUntil(
        () ->
            BenchResources.readyCount(
                    client.genericKubernetesResources(KEYCHAINS).inNamespace(ns).list().getItems())
                == 1);

    long refStart = System.nanoTime();
    BenchResources.parallel(
        n,
        CLIENT_THREADS,
        i ->
            client
                .configMaps()
                .inNamespace(ns)
                .resource(
                    new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("ref-" + i)
                        .endMetadata()
                        .addToData("k", "v")
                        .build())
                .create());
    double reference = (System.nanoTime() - refStart) / 1e9;

    long start = System.nanoTime();
    BenchResources.parallel(
        n,
        CLIENT_THREADS,
        i ->
            client
                .genericKubernetesResources(INSTANCES)
                .inNamespace(ns)
                .resource(BenchResources.instance(ns, i))
                .create());
    waitUntil(
        () ->
            BenchResources.readyCount(
                    client.genericKubernetesResources(INSTANCES).inNamespace(ns).list().getItems())
                == n);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "%6d | %8.2f s | %9.2f ms | %20.2f s | %5.1fx%n",
        n,
        seconds,
        1000 * seconds / n,
        reference,
        seconds / reference);
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) throws Exception {
    OperatorProcess.waitUntil(condition, Duration.ofMinutes(10));
  }
}
