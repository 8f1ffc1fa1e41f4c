package dev.keychain.bench.instances;

import dev.keychain.bench.BenchResources;
import dev.keychain.scenarios.OperatorProcess;
import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.ManagedProcess;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

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
            readyCount(
                    client.genericKubernetesResources(KEYCHAINS).inNamespace(ns).list().getItems())
                == 1);

    long refStart = System.nanoTime();
    parallel(
        n,
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
    parallel(
        n,
        i ->
            client
                .genericKubernetesResources(INSTANCES)
                .inNamespace(ns)
                .resource(
                    BenchResources.resource(
                        "SecureInstance",
                        ns,
                        "app-" + i,
                        Map.of(
                            "keyChain",
                            "tenant",
                            "clusterGroup",
                            i % 2 == 0 ? "A" : "B",
                            "selector",
                            Map.of("matchLabels", Map.of("app", "app-" + i)))))
                .create());
    waitUntil(
        () ->
            readyCount(
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

  @SuppressWarnings("unchecked")
  private static long readyCount(List<GenericKubernetesResource> items) {
    return items.stream()
        .filter(
            r -> {
              Object status = r.getAdditionalProperties().get("status");
              if (!(status instanceof Map<?, ?> s)
                  || !(s.get("conditions") instanceof List<?> cs)) {
                return false;
              }
              return cs.stream()
                  .map(c -> (Map<String, Object>) c)
                  .anyMatch(c -> "Ready".equals(c.get("type")) && "True".equals(c.get("status")));
            })
        .count();
  }

  private static void parallel(int n, IntConsumer task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        futures.add(pool.submit(() -> task.accept(index)));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) throws Exception {
    OperatorProcess.waitUntil(condition, Duration.ofMinutes(10));
  }
}
