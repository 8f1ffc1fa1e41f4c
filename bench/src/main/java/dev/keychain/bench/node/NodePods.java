package dev.keychain.bench.node;

import dev.keychain.bench.BenchResources;
import dev.keychain.scenarios.Await;
import dev.keychain.scenarios.NodeInstall;
import dev.keychain.testing.controlplane.LocalControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Figures on the real local node, each beside a reference from the same run:
 *
 * <ul>
 *   <li>pod create to Ready with the agent injected (init container enrols, native sidecar) against
 *       the same pod in a namespace without injection, p50 and p95 over N pods each, interleaved;
 *   <li>the agent: resident memory of the refreshing sidecars (anchor: seed 000's agent, 43 MB) and
 *       the JVM's own start-to-exit time in the agent image's runtime;
 *   <li>the operator pods' resident memory with no SecureInstances and with M of them Ready.
 * </ul>
 *
 * <p>Usage: {@code bench/run-node-pods.sh [N] [M]} (default 20 pods, 100 instances). Needs a
 * machine where {@code kind-test/local/node.sh check} passes.
 */
public final class NodePods {
  private static final Duration TIMEOUT = Duration.ofMinutes(3);
  private static final long SEED_000_AGENT_MB = 43;

  public static void main(String[] args) throws Exception {
    int pods = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int instances = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    NodeBench.requireNode();
    try (LocalControlPlane plane = LocalControlPlane.start(LocalControlPlane.Options.withNode())) {
      KubernetesClient client = plane.client();
      NodeInstall install = NodeInstall.install(plane, Map.of());
      namespace(client, "plain", false);
      namespace(client, "injected", true);
      BenchResources.createChain(client, "injected", "A");
      NodeBench.readyInstance(client, "injected", "bench", "bench", TIMEOUT);
      System.out.println();
      System.out.println("== pods on the local node (kubelet + containerd, 2 cores) ==");
      // A warm-up pair: first pod start loads images into the page cache, JIT warms the operator.
      startToReady(client, "plain", "warm", install);
      startToReady(client, "injected", "warm", install);
      double[] plain = new double[pods];
      double[] injected = new double[pods];
      for (int i = 0; i < pods; i++) {
        plain[i] = startToReady(client, "plain", "p" + i, install);
        injected[i] = startToReady(client, "injected", "p" + i, install);
      }
      report("create to Ready, p50", percentile(injected, 50), percentile(plain, 50));
      report("create to Ready, p95", percentile(injected, 95), percentile(plain, 95));

      List<Long> agentRss = rssOf("keychain-agent.jar run");
      long agentAverage = agentRss.stream().mapToLong(Long::longValue).sum() / agentRss.size();
      System.out.printf(
          Locale.ROOT,
          "%-34s %8.1f MB (%d sidecars)   seed 000's agent %d MB   ratio %.2fx%n",
          "agent sidecar RSS, average",
          agentAverage / 1024.0,
          agentRss.size(),
          SEED_000_AGENT_MB,
          agentAverage / 1024.0 / SEED_000_AGENT_MB);
      double jvm = agentJvmStartToExit();
      System.out.printf(
          Locale.ROOT,
          "%-34s %8.0f ms (agent jar, image runtime, usage and exit; median of 10)%n",
          "agent JVM start to exit",
          jvm);

      List<Long> before = rssOf("/app/quarkus-run.jar");
      BenchResources.createChain(client, "plain", "A");
      for (int i = 0; i < instances; i++) {
        client
            .genericKubernetesResources(BenchResources.INSTANCES)
            .inNamespace("plain")
            .resource(
                BenchResources.resource(
                    "SecureInstance",
                    "plain",
                    "si-" + i,
                    Map.of(
                        "keyChain", "tenant",
                        "clusterGroup", "A",
                        "selector", Map.of("matchLabels", Map.of("app", "si-" + i)))))
            .create();
      }
      for (int i = 0; i < instances; i++) {
        String name = "si-" + i;
        Await.until(
            name + " Ready",
            TIMEOUT,
            () -> NodeBench.ready(client, BenchResources.INSTANCES, "plain", name));
      }
      Thread.sleep(5_000); // let the reconcilers settle before reading memory
      List<Long> after = rssOf("/app/quarkus-run.jar");
      System.out.printf(
          Locale.ROOT,
          "%-34s %s MB with %d SecureInstances   reference: %s MB with 1%n",
          "operator pods' RSS (each replica)",
          mb(after),
          instances,
          mb(before));
    }
  }

  private static void namespace(KubernetesClient client, String name, boolean injection) {
    var ns = new NamespaceBuilder().withNewMetadata().withName(name).endMetadata();
    if (injection) {
      ns.editMetadata().addToLabels("keychain.dev/injection", "enabled").endMetadata();
    }
    client.namespaces().resource(ns.build()).create();
  }

  /**
   * Creates a pod and returns the seconds until it is Ready (polled every 20 ms), then deletes it.
   */
  private static double startToReady(
      KubernetesClient client, String ns, String name, NodeInstall install) {
    Pod pod = NodeBench.appPod(ns, name, "bench");
    long start = System.nanoTime();
    client.resource(pod).create();
    while (true) {
      Pod p = client.pods().inNamespace(ns).withName(name).get();
      if (p != null
          && p.getStatus() != null
          && p.getStatus().getConditions().stream()
              .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))) {
        break;
      }
      if (System.nanoTime() - start > TIMEOUT.toNanos()) {
        throw new IllegalStateException(
            "pod " + ns + "/" + name + " not Ready: " + p + "\n" + install.operatorLogs());
      }
      sleep(20);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (ns.equals("plain")) {
      // injected pods stay: their sidecars' memory is measured afterwards
      client.pods().inNamespace(ns).withName(name).delete();
    }
    return seconds;
  }

  /**
   * Resident set (KiB) of every process on this machine whose command line contains {@code marker}.
   */
  static List<Long> rssOf(String marker) throws IOException {
    List<Long> rss = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
          if (!cmdline.contains(marker)) {
            continue;
          }
          for (String line : Files.readAllLines(proc.resolve("status"))) {
            if (line.startsWith("VmRSS:")) {
              rss.add(Long.parseLong(line.replaceAll("\\D+", "")));
            }
          }
        } catch (IOException e) {
          // the process ended meanwhile
        }
      }
    }
    if (rss.isEmpty()) {
      throw new IllegalStateException("no process runs " + marker);
    }
    return rss;
  }

  /** The agent jar's start-to-exit in the agent image's own runtime (prints usage, exits 2). */
  private static double agentJvmStartToExit() throws Exception {
    Path root = dev.keychain.scenarios.OperatorProcess.root();
    Path java =
        Files.list(Path.of(System.getProperty("user.home"), ".cache/keychain-operator/images"))
            .filter(p -> p.getFileName().toString().startsWith("jre-"))
            .map(p -> p.resolve("bin/java"))
            .filter(Files::isExecutable)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no image runtime built"));
    double[] ms = new double[10];
    for (int i = 0; i < ms.length; i++) {
      long start = System.nanoTime();
      Process p =
          new ProcessBuilder(
                  java.toString(),
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1",
                  "-XX:-UsePerfData",
                  "-jar",
                  root.resolve("agent/target/keychain-agent.jar").toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      p.waitFor();
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    return percentile(ms, 50);
  }

  private static String mb(List<Long> kib) {
    return String.join(
        " / ", kib.stream().map(k -> String.format(Locale.ROOT, "%.0f", k / 1024.0)).toList());
  }

  private static void report(String what, double injected, double plain) {
    System.out.printf(
        Locale.ROOT,
        "%-34s %8.2f s injected   %8.2f s without   ratio %.2fx%n",
        what,
        injected,
        plain,
        injected / plain);
  }

  private static double percentile(double[] values, int p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
