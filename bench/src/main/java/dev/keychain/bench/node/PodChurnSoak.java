package dev.keychain.bench.node;

import dev.keychain.bench.BenchResources;
import dev.keychain.scenarios.NodeInstall;
import dev.keychain.testing.controlplane.LocalControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Soak on the real local node (not CI): pods of an instance are created and deleted at a fixed rate
 * for a long time, each injected with the agent (webhook, enrolment, handshakes, pod informers,
 * revocation on delete), while the operator pods' and the agents' resident memory is sampled. At
 * the end: memory of the last tenth of the run against the tenth after warm-up (a leak grows it),
 * and every ERROR or exception line of the operator pods' logs.
 *
 * <p>Usage: {@code bench/run-soak.sh [minutes (60)] [pods created per second (10)] [pods kept
 * (100)]}. Exits 1 when the operator's memory grew by more than 20% or its logs hold errors.
 */
public final class PodChurnSoak {
  private static final Duration TIMEOUT = Duration.ofMinutes(3);
  private static final Duration SAMPLE_EVERY = Duration.ofSeconds(30);

  private record Sample(
      long second, List<Long> operatorKib, long agentKib, int agents, long ready) {}

  public static void main(String[] args) throws Exception {
    int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    double rate = args.length > 1 ? Double.parseDouble(args[1]) : 10;
    // 100 kept at 10/s: each pod lives 10 s, long enough to enrol; under the kubelet's 110 pods
    int kept = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    NodeBench.requireNode();
    try (LocalControlPlane plane = LocalControlPlane.start(LocalControlPlane.Options.withNode())) {
      KubernetesClient client = plane.client();
      NodeInstall install = NodeInstall.install(plane, Map.of());
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName("soak")
                  .addToLabels("keychain.dev/injection", "enabled")
                  .endMetadata()
                  .build())
          .create();
      BenchResources.createChain(client, "soak", "A");
      NodeBench.readyInstance(client, "soak", "churn", "churn", TIMEOUT);

      AtomicLong created = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      Deque<String> live = new ArrayDeque<>();
      ScheduledExecutorService churn = Executors.newSingleThreadScheduledExecutor();
      long periodMicros = (long) (1_000_000 / rate);
      churn.scheduleAtFixedRate(
          () -> {
            try {
              String name = "churn-" + created.incrementAndGet();
              client.resource(NodeBench.appPod("soak", name, "churn")).create();
              live.addLast(name);
              while (live.size() > kept) {
                client.pods().inNamespace("soak").withName(live.removeFirst()).delete();
              }
            } catch (RuntimeException e) {
              if (Thread.currentThread().isInterrupted()) {
                return; // the run is over
              }
              if (failed.incrementAndGet() <= 5) {
                System.out.println(
                    "[soak] churn call failed: "
                        + e.getMessage()
                        + (e.getCause() == null ? "" : " (" + e.getCause() + ")"));
              }
            }
          },
          0,
          periodMicros,
          TimeUnit.MICROSECONDS);

      System.out.printf(
          Locale.ROOT,
          "== soak: %d min, %.1f pods/s created and deleted, %d kept (local node, 2 cores) ==%n",
          minutes,
          rate,
          kept);
      System.out.println("  second   operator RSS MB (each)   agents  agent RSS MB avg   ready");
      List<Sample> samples = new ArrayList<>();
      java.util.Set<String> agentErrors = new java.util.LinkedHashSet<>();
      Instant start = Instant.now();
      Instant end = start.plus(Duration.ofMinutes(minutes));
      while (Instant.now().isBefore(end)) {
        Thread.sleep(SAMPLE_EVERY.toMillis());
        Sample s = sample(client, Duration.between(start, Instant.now()).toSeconds());
        agentErrors.addAll(agentErrors(client));
        samples.add(s);
        System.out.printf(
            Locale.ROOT,
            "  %6d   %-23s %7d  %16.1f   %5d%n",
            s.second(),
            mb(s.operatorKib()),
            s.agents(),
            s.agentKib() / 1024.0,
            s.ready());
      }
      churn.shutdownNow();
      churn.awaitTermination(10, TimeUnit.SECONDS);

      int tenth = Math.max(1, samples.size() / 10);
      // the first tenth is warm-up (JIT, caches filling); compare the second with the last
      List<Sample> early =
          samples.subList(Math.min(tenth, samples.size() - 1), Math.min(2 * tenth, samples.size()));
      List<Sample> late = samples.subList(samples.size() - tenth, samples.size());
      double earlyMb = averageOperatorMb(early);
      double lateMb = averageOperatorMb(late);
      double growth = lateMb / earlyMb;
      List<String> errors = new ArrayList<>(agentErrors);
      for (Pod op : install.operatorPods()) {
        String name = op.getMetadata().getName();
        errorLines(client.pods().inNamespace(NodeInstall.NAMESPACE).withName(name).getLog())
            .forEach(l -> errors.add(name + ": " + l));
      }
      System.out.printf(
          Locale.ROOT,
          "pods created %d (churn calls failed %d); operator RSS %.0f MB after warm-up, %.0f MB at"
              + " the end: ratio %.2fx (leak if > 1.20x)%n",
          created.get(),
          failed.get(),
          earlyMb,
          lateMb,
          growth);
      System.out.println(
          "operator and agent log lines with ERROR or an exception: " + errors.size());
      errors.stream().limit(10).forEach(l -> System.out.println("  " + l));
      if (growth > 1.20 || !errors.isEmpty()) {
        System.exit(1);
      }
    }
  }

  private static Sample sample(KubernetesClient client, long second) throws IOException {
    List<Long> operator = NodePods.rssOf("/app/quarkus-run.jar");
    List<Long> agents;
    try {
      agents = NodePods.rssOf("keychain-agent.jar");
    } catch (IllegalStateException none) {
      agents = List.of();
    }
    long ready =
        client.pods().inNamespace("soak").list().getItems().stream()
            .filter(
                p ->
                    p.getStatus() != null
                        && p.getStatus().getConditions().stream()
                            .anyMatch(
                                c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
            .count();
    long agentAverage =
        agents.isEmpty() ? 0 : agents.stream().mapToLong(Long::longValue).sum() / agents.size();
    return new Sample(second, operator, agentAverage, agents.size(), ready);
  }

  private static double averageOperatorMb(List<Sample> samples) {
    return samples.stream()
            .mapToDouble(s -> s.operatorKib().stream().mapToLong(Long::longValue).sum())
            .average()
            .orElse(0)
        / 1024.0;
  }

  /** Error lines of the agents of the pods running now (sidecar logs; pods come and go). */
  private static List<String> agentErrors(KubernetesClient client) {
    List<String> errors = new ArrayList<>();
    for (Pod p : client.pods().inNamespace("soak").list().getItems()) {
      if (p.getMetadata().getDeletionTimestamp() != null) {
        continue; // a deleted pod's agent is revoked and exits: expected
      }
      String name = p.getMetadata().getName();
      try {
        client
            .pods()
            .inNamespace("soak")
            .withName(name)
            .inContainer("keychain-agent")
            .getLog()
            .lines()
            .filter(
                l ->
                    l.contains("watch failed")
                        || l.contains("operator unreachable")
                        || l.contains("refused (")
                        || l.contains("cannot grant")
                        || l.contains("Exception"))
            .forEach(l -> errors.add(name + "/keychain-agent: " + l));
      } catch (RuntimeException gone) {
        // not started yet, or deleted meanwhile
      }
    }
    return errors;
  }

  static List<String> errorLines(String logs) {
    return logs.lines().filter(l -> l.contains(" ERROR ") || l.contains("Exception")).toList();
  }

  private static String mb(List<Long> kib) {
    return String.join(
        " / ", kib.stream().map(k -> String.format(Locale.ROOT, "%.0f", k / 1024.0)).toList());
  }
}
