package dev.keychain.bench.requests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keychain.bench.BenchResources;
import dev.keychain.scenarios.ApiAuditLog;
import dev.keychain.scenarios.OperatorProcess;
import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.FreePorts;
import dev.keychain.testing.fixtures.ManagedProcess;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How many API requests the operator makes per SecureInstance reconcile, counted by the
 * kube-apiserver's own audit log (every request of the operator's user agent, watches apart), with
 * N instances (one injected pod each) of one chain: while they become Ready, and during a steady
 * round in which every instance is reconciled once more. Reconciles are the operator's own counter.
 *
 * <p>Usage: {@code bench/run-requests.sh [N]} (default 1000).
 */
public final class RequestsPerReconcile {
  private static final String BENCH_AGENT = "keychain-bench";
  private static final int CLIENT_THREADS = 8;
  private static final Pattern RECONCILES =
      Pattern.compile(
          "keychain_reconciles_total\\{[^}]*kind=\"SecureInstance\"[^}]*\\} ([0-9.eE+]+)");

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    Path dir = Files.createTempDirectory("requests-per-reconcile-");
    Path policy = dir.resolve("audit-policy.yaml");
    Path log = dir.resolve("api-audit.log");
    Files.writeString(
        policy,
        """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: ["RequestReceived"]
        rules:
          - level: Metadata
        """);
    try (LocalControlPlane plane =
        LocalControlPlane.start(
            new LocalControlPlane.Options(true, ApiAuditLog.apiServerFlags(policy, log), false))) {
      OperatorProcess.installCrds(plane);
      int httpPort = FreePorts.loopback();
      Config config = plane.adminConfig();
      config.setUserAgent(BENCH_AGENT);
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
          ManagedProcess operator =
              OperatorProcess.start(plane, Map.of(), Map.of("quarkus.http.port", "" + httpPort))) {
        String ns = plane.newNamespace("requests");
        BenchResources.createChain(client, ns, "A", "B");
        waitUntil(() -> ready(client, BenchResources.KEYCHAINS, ns) == 1);
        BenchResources.parallel(
            n,
            CLIENT_THREADS,
            i ->
                client
                    .pods()
                    .inNamespace(ns)
                    .resource(
                        new PodBuilder()
                            .withNewMetadata()
                            .withName("app-" + i + "-0")
                            .addToLabels("app", "app-" + i)
                            // As the injection webhook leaves a pod of instance app-i.
                            .addToLabels("keychain.dev/agent", "injected")
                            .addToAnnotations("keychain.dev/injected", "true")
                            .addToAnnotations("keychain.dev/instance", "app-" + i)
                            .endMetadata()
                            .withNewSpec()
                            .addNewContainer()
                            .withName("app")
                            .withImage("registry.invalid/app:1")
                            .endContainer()
                            .endSpec()
                            .build())
                    .create());

        Window toReady = Window.start(log, httpPort);
        BenchResources.parallel(
            n,
            CLIENT_THREADS,
            i ->
                client
                    .genericKubernetesResources(BenchResources.INSTANCES)
                    .inNamespace(ns)
                    .resource(BenchResources.instance(ns, i))
                    .create());
        waitUntil(() -> ready(client, BenchResources.INSTANCES, ns) == n);
        Thread.sleep(3000); // let trailing status patches land
        Result ready = toReady.end();

        // Steady: one more reconcile of every instance, caused by a label on each (no spec change).
        Window steady = Window.start(log, httpPort);
        BenchResources.parallel(
            n,
            CLIENT_THREADS,
            i ->
                client
                    .genericKubernetesResources(BenchResources.INSTANCES)
                    .inNamespace(ns)
                    .withName("app-" + i)
                    .edit(
                        r -> {
                          r.getMetadata().getLabels().put("touched", "1");
                          return r;
                        }));
        long target = ready.reconcilesAfter() + n;
        waitUntil(() -> reconciles(httpPort) >= target);
        Thread.sleep(3000);
        Result round = steady.end();

        System.out.println();
        System.out.printf(
            Locale.ROOT,
            "== API requests per SecureInstance reconcile (N = %d, one pod each) ==%n",
            n);
        print("N instances to Ready", ready);
        print("steady round (every instance once more)", round);
      }
    }
  }

  private static void print(String phase, Result r) {
    System.out.printf(
        Locale.ROOT,
        "%s: %d reconciles, %d requests, %.2f per reconcile%n",
        phase,
        r.reconciles(),
        r.total(),
        r.total() / (double) Math.max(1, r.reconciles()));
    r.byKind()
        .forEach(
            (k, v) ->
                System.out.printf(
                    Locale.ROOT,
                    "  %-40s %8d  %6.2f%n",
                    k,
                    v,
                    v / (double) Math.max(1, r.reconciles())));
  }

  record Result(long reconciles, long reconcilesAfter, long total, Map<String, Long> byKind) {}

  /** Requests of the operator between two points of the audit log, and reconciles between. */
  private record Window(Path log, int port, long lines, long reconciles) {
    static Window start(Path log, int port) throws IOException {
      return new Window(log, port, lineCount(log), RequestsPerReconcile.reconciles(port));
    }

    Result end() throws IOException {
      long after = RequestsPerReconcile.reconciles(port);
      ObjectMapper json = new ObjectMapper();
      Map<String, Long> byKind = new TreeMap<>();
      long total = 0;
      try (Stream<String> all = Files.lines(log)) {
        for (String line : (Iterable<String>) all.skip(lines)::iterator) {
          JsonNode e = json.readTree(line);
          String agent = e.path("userAgent").asText();
          String verb = e.path("verb").asText();
          // The operator's own client; long-running watches are not per-reconcile requests.
          if (!agent.startsWith("fabric8-kubernetes-client") || verb.equals("watch")) {
            continue;
          }
          JsonNode ref = e.path("objectRef");
          String resource = ref.path("resource").asText("?");
          if (!ref.path("subresource").asText().isEmpty()) {
            resource += "/" + ref.path("subresource").asText();
          }
          byKind.merge(verb + " " + resource, 1L, Long::sum);
          total++;
        }
      }
      return new Result(after - reconciles, after, total, byKind);
    }
  }

  private static long lineCount(Path log) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(log)) {
      return lines.count();
    }
  }

  static long reconciles(int port) {
    try {
      String body =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      long sum = 0;
      Matcher m = RECONCILES.matcher(body);
      while (m.find()) {
        sum += (long) Double.parseDouble(m.group(1));
      }
      return sum;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static long ready(
      KubernetesClient client,
      io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext kind,
      String ns) {
    return BenchResources.readyCount(
        client.genericKubernetesResources(kind).inNamespace(ns).list().getItems());
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) throws Exception {
    OperatorProcess.waitUntil(condition, Duration.ofMinutes(10));
  }

  private RequestsPerReconcile() {}
}
