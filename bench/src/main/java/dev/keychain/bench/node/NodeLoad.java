package dev.keychain.bench.node;

import dev.keychain.bench.BenchResources;
import dev.keychain.bench.LoadRun;
import dev.keychain.bench.admission.AdmissionLoad;
import dev.keychain.core.auth.AgentApi;
import dev.keychain.core.auth.AgentHandshake;
import dev.keychain.core.auth.MasterTrust;
import dev.keychain.core.auth.Messages;
import dev.keychain.core.auth.Wire;
import dev.keychain.core.tls.TrustBundles;
import dev.keychain.scenarios.Await;
import dev.keychain.scenarios.NodeInstall;
import dev.keychain.scenarios.SignedImages;
import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.controlplane.LocalNode;
import dev.keychain.testing.fixtures.OciRegistry;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * Load on the real two-replica install on the local node ({@code helm install}, as in the node
 * scenarios), from many clients at once (100 and 500 by default), each phase beside a reference of
 * the same server stack measured in the same run:
 *
 * <ul>
 *   <li>reference: AdmissionReviews of an object the image webhook does not govern (a ConfigMap):
 *       the same TLS, Vert.x, JSON and histogram path with no decision, a no-op webhook, the
 *       ceiling;
 *   <li>warm admission: reviews of a pod whose cosign-signed image (in a registry on the node's
 *       address, under a SignerWhitelist) has a cached verdict (goal: p99 &lt; 5 ms at &gt;= 2,000
 *       reviews/s);
 *   <li>reference pair: two no-op reviews back to back to one replica, the round trips a handshake
 *       takes, the handshakes' ceiling;
 *   <li>handshakes: complete agent handshakes (hello + confirm, grant verified by the client) with
 *       real bound tokens of injected pods, both steps to the replica that answered the hello
 *       (goal: &gt;= 2,000/s).
 * </ul>
 *
 * <p>The clients call the replicas' pod IPs (routable from the host on the node's bridge) over
 * HTTPS with keep-alive, half of the client threads on each replica, trusting the CA the operator
 * writes into its webhook configurations. Latency is measured by the clients and read from the
 * operator's own histograms ({@code /metrics} of both replicas, before and after each phase; the
 * quantiles are interpolated within the histogram buckets, bucket-resolution estimates, and time
 * only the decision on the worker thread, not TLS, queueing or the wire). Both replicas, the API
 * server, the node and this driver share the machine's cores; their CPU use is printed per phase.
 *
 * <p>The handshake pods are injected but left Pending (a node selector no node matches): the
 * handshake needs the pod to exist, be injected and selected, not to run, and 50 agent JVMs would
 * take the node's cores from the operator.
 *
 * <p>Usage: {@code bench/run-node-load.sh [seconds per phase (10)] [clients (100,500)] [pods
 * (50)]}. Needs a machine where {@code kind-test/local/node.sh check} passes.
 */
public final class NodeLoad {
  private static final Duration TIMEOUT = Duration.ofMinutes(3);
  private static final ResourceDefinitionContext WHITELISTS =
      BenchResources.context("SignerWhitelist", "signerwhitelists");
  private static final String ADMISSION_NS = "load-admission";
  private static final String AGENT_NS = "load-agents";
  private static final int HTTP_CLIENTS = 4;
  private static final long CLOCK_TICKS = 100; // USER_HZ of /proc/<pid>/stat on Linux

  private static final double GOAL_RATE = 2000;
  private static final String REFERENCE = "reference: no-op review";
  private static final String WARM = "warm admission: signed pod";
  private static final String REFERENCE_PACED = "reference: no-op @ 2,000/s";
  private static final String WARM_PACED = "warm admission @ 2,000/s";
  private static final String PAIR = "reference: 2 no-op round trips";
  private static final String HANDSHAKES = "handshakes: hello + confirm";

  private static final String REVIEW_HISTOGRAM = "keychain_admission_review_seconds";
  private static final String HANDSHAKE_HISTOGRAM = "keychain_agent_handshake_step_seconds";
  private static final String CONFIRM_HISTOGRAM = "keychain_agent_confirm_phase_seconds";

  private NodeLoad() {}

  /** One operator replica, reached at its pod IP. */
  record Replica(String name, String ip, URI admission, URI hello, URI confirm, URI metrics) {
    static Replica of(Pod pod) {
      String ip = pod.getStatus().getPodIP();
      String https = "https://" + ip + ":8443";
      return new Replica(
          pod.getMetadata().getName(),
          ip,
          URI.create(https + "/admission/images"),
          URI.create(https + AgentApi.HELLO),
          URI.create(https + AgentApi.CONFIRM),
          URI.create("http://" + ip + ":8080/metrics"));
    }
  }

  /** What a client thread uses: its HTTP client (of a few) and its replica (half on each). */
  record Slot(HttpClient http, Replica replica) {}

  /** A measured phase: the clients' latencies, the operators' metric deltas, CPU used. */
  record Measured(
      LoadRun.Result client,
      Map<String, Double> delta,
      double operatorCores,
      double clientCores,
      String firstError,
      String... histograms) {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int[] concurrency =
        Arrays.stream((args.length > 1 ? args[1] : "100,500").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    int podCount = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    NodeBench.requireNode();
    Path work = Files.createTempDirectory("keychain-node-load-");
    try (LocalControlPlane plane = LocalControlPlane.start(LocalControlPlane.Options.withNode())) {
      LocalNode node = plane.node().orElseThrow();
      KubernetesClient client = plane.client();
      // Where the operator's pods reach it: on the node's address, not loopback.
      try (OciRegistry registry = OciRegistry.start(work.resolve("registry"), node.address())) {
        NodeInstall install = NodeInstall.install(plane, Map.of());
        run(plane, client, install, registry, work, seconds, concurrency, podCount);
      }
    }
  }

  private static void run(
      LocalControlPlane plane,
      KubernetesClient client,
      NodeInstall install,
      OciRegistry registry,
      Path work,
      int seconds,
      int[] concurrency,
      int podCount)
      throws Exception {
    String caPem = awaitCaBundle(client);
    List<Replica> replicas = install.operatorPods().stream().map(Replica::of).toList();
    System.out.println(
        "[bench] replicas: "
            + replicas.stream().map(r -> r.name() + " " + r.ip()).toList()
            + ", leader "
            + install.leaderPod().orElse("?"));

    // Admission: a cosign-signed image under a SignerWhitelist in a namespace with image admission.
    System.out.println("[bench] signing an image with cosign, whitelisting its signer");
    SignedImages images = SignedImages.publish(registry, work.resolve("cosign"));
    namespace(client, ADMISSION_NS, "keychain.dev/image-admission");
    client
        .genericKubernetesResources(WHITELISTS)
        .inNamespace(ADMISSION_NS)
        .resource(
            BenchResources.resource(
                "SignerWhitelist",
                ADMISSION_NS,
                "signed",
                Map.of(
                    "images",
                    List.of(images.repositoryPattern()),
                    "signers",
                    List.of(
                        Map.of(
                            "name",
                            "signer",
                            "keyId",
                            images.signerKeyId(),
                            "publicKey",
                            images.signerPublicKeyPem())),
                    "trust",
                    Map.of("cosign", Map.of("enabled", true)),
                    "registry",
                    Map.of("insecureHttp", true),
                    "mode",
                    "Enforce")))
        .create();
    Await.until(
        "SignerWhitelist signed to be Ready",
        TIMEOUT,
        () -> NodeBench.ready(client, WHITELISTS, ADMISSION_NS, "signed"));
    String signedImage = images.signedImage();

    // Handshakes: injected pods of a SecureInstance, and their real bound tokens.
    System.out.println("[bench] creating " + podCount + " injected pods (left Pending)");
    namespace(client, AGENT_NS, "keychain.dev/injection");
    BenchResources.createChain(client, AGENT_NS, "A");
    client
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("agent")
                .withNamespace(AGENT_NS)
                .endMetadata()
                .build())
        .create();
    NodeBench.readyInstance(client, AGENT_NS, "bench", "bench", TIMEOUT);
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < podCount; i++) {
      Pod pod =
          client
              .resource(
                  NodeBench.appPod(AGENT_NS, "bench-" + i, "bench")
                      .edit()
                      .editSpec()
                      .withServiceAccountName("agent")
                      // no node matches: the pod exists for its bound token, never runs
                      .addToNodeSelector("keychain.dev/bench-no-such-node", "true")
                      .endSpec()
                      .build())
              .create();
      if (pod.getSpec().getInitContainers().isEmpty()) {
        throw new IllegalStateException(
            "pod " + pod.getMetadata().getName() + " was not injected\n" + install.operatorLogs());
      }
      tokens.add(plane.boundToken(AGENT_NS, "agent", pod, "keychain.dev/agent", 3600));
    }

    SSLContext tls = TrustBundles.trusting(caPem);
    List<HttpClient> https = new ArrayList<>();
    for (int i = 0; i < HTTP_CLIENTS; i++) {
      https.add(
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(tls)
              .connectTimeout(Duration.ofSeconds(10))
              .build());
    }
    HttpClient metricsHttp =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    AtomicInteger slots = new AtomicInteger();
    ThreadLocal<Slot> slot =
        ThreadLocal.withInitial(
            () -> {
              int n = slots.getAndIncrement();
              return new Slot(
                  https.get((n / replicas.size()) % https.size()),
                  replicas.get(n % replicas.size()));
            });
    MasterTrust trust = MasterTrust.fromPemBundle(caPem);

    IntPredicate reference =
        i -> {
          Slot s = slot.get();
          return AdmissionLoad.send(
              s.http(),
              s.replica().admission(),
              AdmissionLoad.review(ADMISSION_NS, "ConfigMap", null));
        };
    IntPredicate warm =
        i -> {
          Slot s = slot.get();
          return AdmissionLoad.send(
              s.http(),
              s.replica().admission(),
              AdmissionLoad.review(ADMISSION_NS, "Pod", signedImage));
        };
    IntPredicate pair = i -> reference.test(i) && reference.test(i);
    IntPredicate handshake = i -> handshake(slot.get(), trust, tokens.get(i % tokens.size()));

    // Prime every replica's verdict cache, token cache and JIT with a few clients first.
    System.out.println("[bench] warming up");
    for (IntPredicate call : List.of(reference, warm, handshake)) {
      LoadRun.run("warm-up", 16, 5, call);
    }
    if (LoadRun.FIRST_ERROR.get() != null) {
      System.out.println("[bench] warm-up error: " + LoadRun.FIRST_ERROR.get());
    }

    Map<String, Measured> results = new LinkedHashMap<>();
    for (int n : concurrency) {
      System.out.println("[bench] " + n + " clients: warm-up (opens the connections)");
      for (IntPredicate call : List.of(reference, warm, handshake)) {
        LoadRun.run("warm-up", n, 3, call);
      }
      Phase[] phases = {
        new Phase(REFERENCE, reference, 0, REVIEW_HISTOGRAM),
        new Phase(WARM, warm, 0, REVIEW_HISTOGRAM),
        new Phase(REFERENCE_PACED, reference, GOAL_RATE, REVIEW_HISTOGRAM),
        new Phase(WARM_PACED, warm, GOAL_RATE, REVIEW_HISTOGRAM),
        new Phase(PAIR, pair, 0, REVIEW_HISTOGRAM),
        new Phase(
            HANDSHAKES,
            handshake,
            0,
            HANDSHAKE_HISTOGRAM + "{step=\"hello\"}",
            HANDSHAKE_HISTOGRAM + "{step=\"confirm\"}",
            // where a confirm's time goes
            CONFIRM_HISTOGRAM + "{phase=\"membership\"}",
            CONFIRM_HISTOGRAM + "{phase=\"decide\"}",
            CONFIRM_HISTOGRAM + "{phase=\"audit\"}",
            CONFIRM_HISTOGRAM + "{phase=\"acknowledge\"}")
      };
      for (Phase phase : phases) {
        results.put(phase.name() + "|" + n, measure(phase, n, seconds, replicas, metricsHttp));
      }
    }
    print(results, concurrency, replicas.size());
    operatorFindings(client, install);
  }

  /** A phase: closed loop (each client calls back to back) or paced at {@code rate} calls/s. */
  record Phase(String name, IntPredicate call, double rate, String... histograms) {}

  /**
   * One phase of {@code threads} clients for {@code seconds}, with the operators' deltas. Paced:
   * call i is due at start + i / rate, taken by whichever client is free, and its latency counts
   * from when it was due (a server that falls behind is charged for the wait, no coordinated
   * omission).
   */
  private static Measured measure(
      Phase phase, int threads, int seconds, List<Replica> replicas, HttpClient metricsHttp)
      throws Exception {
    String name = phase.name();
    LoadRun.FIRST_ERROR.set(null);
    Map<String, Double> before = scrape(metricsHttp, replicas);
    long operatorTicks = operatorTicks();
    long clientTicks = ticks(Path.of("/proc/self/stat"));
    LoadRun.Result r;
    if (phase.rate() <= 0) {
      r = LoadRun.run(name, threads, seconds, phase.call());
    } else {
      double rate = phase.rate();
      long[] latencies = new long[(int) (rate * (seconds + 1)) + threads];
      AtomicInteger recorded = new AtomicInteger();
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      LoadRun.Result loop =
          LoadRun.run(
              name,
              threads,
              seconds,
              i -> {
                long due = start + (long) (i * 1e9 / rate);
                if (due >= end) {
                  LockSupport.parkNanos(end - System.nanoTime() + 20_000_000);
                  return true;
                }
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                  LockSupport.parkNanos(wait);
                }
                boolean ok = phase.call().test(i);
                long latency = System.nanoTime() - due;
                int slot = recorded.getAndIncrement();
                if (slot < latencies.length) {
                  latencies[slot] = latency;
                }
                return ok;
              });
      int count = Math.min(recorded.get(), latencies.length);
      r =
          new LoadRun.Result(
              name, threads, count, loop.seconds(), Arrays.copyOf(latencies, count), loop.errors());
    }
    double operatorCores = (operatorTicks() - operatorTicks) / (double) CLOCK_TICKS / r.seconds();
    double clientCores =
        (ticks(Path.of("/proc/self/stat")) - clientTicks) / (double) CLOCK_TICKS / r.seconds();
    Map<String, Double> after = scrape(metricsHttp, replicas);
    Map<String, Double> delta = new TreeMap<>();
    after.forEach(
        (k, v) -> {
          double d = v - before.getOrDefault(k, 0.0);
          if (d != 0) {
            delta.put(k, d);
          }
        });
    System.out.printf(
        Locale.ROOT,
        "[bench] %-32s %4d clients: %8.0f/s, p99 %.3f ms, errors %d%n",
        name,
        threads,
        r.perSecond(),
        r.percentileMs(0.99),
        r.errors());
    return new Measured(
        r, delta, operatorCores, clientCores, LoadRun.FIRST_ERROR.get(), phase.histograms());
  }

  private static boolean handshake(Slot slot, MasterTrust trust, String token) {
    try {
      AgentHandshake h =
          new AgentHandshake(
              token, trust, Clock.systemUTC(), Duration.ofSeconds(30), Optional.empty());
      String hello = post(slot.http(), slot.replica().hello(), Wire.toJson(h.start()));
      Messages.AgentConfirm confirm =
          h.onMasterHello(Wire.parse(hello, Messages.MasterHello.class));
      String grant = post(slot.http(), slot.replica().confirm(), Wire.toJson(confirm));
      h.onGrant(Wire.parse(grant, Messages.KeyGrant.class)).key().destroy();
      return true;
    } catch (Exception e) {
      LoadRun.FIRST_ERROR.compareAndSet(null, slot.replica().name() + ": " + e);
      return false;
    }
  }

  private static String post(HttpClient http, URI uri, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(uri)
                .header("content-type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(uri.getPath() + " HTTP " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  // --- the operators' metrics ---

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)");
  private static final Pattern LE = Pattern.compile(",?le=\"([^\"]*)\"");

  /** Every sample of both replicas' {@code /metrics}, summed over the replicas. */
  private static Map<String, Double> scrape(HttpClient http, List<Replica> replicas)
      throws Exception {
    Map<String, Double> sum = new HashMap<>();
    for (Replica r : replicas) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(r.metrics()).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(r.metrics() + " answered " + response.statusCode());
      }
      for (String line : response.body().split("\n")) {
        if (line.startsWith("#")) {
          continue;
        }
        Matcher m = SAMPLE.matcher(line);
        if (m.find()) {
          String key = m.group(1) + (m.group(2) == null ? "" : m.group(2));
          sum.merge(key, parse(m.group(3)), Double::sum);
          // per replica, for the split of requests between them
          sum.merge(r.name() + "/" + key, parse(m.group(3)), Double::sum);
        }
      }
    }
    return sum;
  }

  private static double parse(String value) {
    return switch (value) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(value);
    };
  }

  /**
   * The cumulative bucket counts (upper bound in seconds to count) of {@code histogram} (a name, or
   * a name with its other labels: {@code name{step="hello"}}) in {@code samples}.
   */
  static TreeMap<Double, Double> buckets(Map<String, Double> samples, String histogram) {
    int brace = histogram.indexOf('{');
    String name = brace < 0 ? histogram : histogram.substring(0, brace);
    String labels = brace < 0 ? "" : histogram.substring(brace + 1, histogram.length() - 1);
    TreeMap<Double, Double> buckets = new TreeMap<>();
    samples.forEach(
        (key, value) -> {
          if (!key.startsWith(name + "_bucket{")) {
            return;
          }
          String inner = key.substring(name.length() + "_bucket{".length(), key.length() - 1);
          Matcher le = LE.matcher(inner);
          if (!le.find()) {
            return;
          }
          double bound = parse(le.group(1));
          String others = le.replaceAll("").replaceAll("^,", "");
          if (others.equals(labels)) {
            buckets.put(bound, value);
          }
        });
    return buckets;
  }

  /**
   * The {@code q} quantile in ms of cumulative bucket counts, linearly interpolated within the
   * bucket that holds it (as Prometheus' histogram_quantile); NaN without observations, infinite
   * when it lies beyond the last finite bound.
   */
  static double quantileMs(TreeMap<Double, Double> buckets, double q) {
    if (buckets.isEmpty() || buckets.lastEntry().getValue() <= 0) {
      return Double.NaN;
    }
    double rank = q * buckets.lastEntry().getValue();
    double lower = 0;
    double below = 0;
    for (Map.Entry<Double, Double> b : buckets.entrySet()) {
      if (b.getValue() >= rank) {
        if (b.getKey().isInfinite()) {
          return Double.POSITIVE_INFINITY;
        }
        double inBucket = b.getValue() - below;
        double fraction = inBucket <= 0 ? 1 : (rank - below) / inBucket;
        return (lower + (b.getKey() - lower) * fraction) * 1000;
      }
      lower = b.getKey();
      below = b.getValue();
    }
    return Double.NaN;
  }

  private static long operatorTicks() throws IOException {
    long sum = 0;
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
          if (cmdline.contains("/app/quarkus-run.jar")) {
            sum += ticks(proc.resolve("stat"));
          }
        } catch (IOException e) {
          // the process ended meanwhile
        }
      }
    }
    return sum;
  }

  /** utime + stime of a /proc/<pid>/stat, in clock ticks. */
  private static long ticks(Path stat) throws IOException {
    String s = Files.readString(stat);
    String[] fields = s.substring(s.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  // --- output ---

  private static void print(Map<String, Measured> results, int[] concurrency, int replicas) {
    System.out.println();
    System.out.println(
        "== Load on the 2-replica install on the local node (helm chart, pod IPs over HTTPS,"
            + " keep-alive; "
            + Runtime.getRuntime().availableProcessors()
            + " cores shared by operator, API server, node and clients) ==");
    String header =
        String.format(
            Locale.ROOT,
            "%-32s | %7s | %8s | %26s | %26s | %6s | %s",
            "phase",
            "clients",
            "calls/s",
            "client p50 / p99 / p99.9 ms",
            "operator p50 / p99 / p99.9",
            "errors",
            "CPU cores: operator, clients");
    System.out.println(header);
    System.out.println("-".repeat(header.length()));
    for (Map.Entry<String, Measured> e : results.entrySet()) {
      Measured m = e.getValue();
      LoadRun.Result r = m.client();
      System.out.printf(
          Locale.ROOT,
          "%-32s | %7d | %8.0f | %8.3f %8.3f %8.3f | %26s | %6d | %.2f, %.2f%n",
          r.name(),
          r.threads(),
          r.perSecond(),
          r.percentileMs(0.5),
          r.percentileMs(0.99),
          r.percentileMs(0.999),
          m.histograms().length == 1 ? server(m, m.histograms()[0]) : "",
          r.errors(),
          m.operatorCores(),
          m.clientCores());
      if (m.histograms().length > 1) {
        for (String h : m.histograms()) {
          String step = h.substring(h.indexOf('"') + 1, h.lastIndexOf('"'));
          System.out.printf(
              Locale.ROOT,
              "%-32s | %7s | %8s | %26s | %26s |%n",
              "  operator, step " + step,
              "",
              "",
              "",
              server(m, h));
        }
      }
    }
    System.out.println(
        "client: latency of each call as the client sees it (a handshake: both round trips and the"
            + " client's crypto); operator: its own histograms (sum of both replicas' bucket deltas"
            + " over the phase), quantiles interpolated within buckets: bucket-resolution"
            + " estimates (review buckets 0.5, 1, 2.5, 5, 10 ms...), timing the decision on the"
            + " worker thread only (no TLS, no queueing).");

    for (Map.Entry<String, Measured> e : results.entrySet()) {
      Measured m = e.getValue();
      List<String> counters = new ArrayList<>();
      m.delta()
          .forEach(
              (k, v) -> {
                if (!k.contains("/")
                    && (k.startsWith("keychain_admission_reviews_total")
                        || k.startsWith("keychain_agent_handshakes_total")
                        || k.startsWith("keychain_admission_cache_total")
                        || k.startsWith("keychain_audit_forwarded_events_total")
                        || k.startsWith("keychain_admission_upstream_seconds_count"))) {
                  counters.add(k.replace("keychain_", "") + " +" + Math.round(v));
                }
              });
      String split = split(m);
      System.out.println(
          "[" + e.getKey().replace('|', '@') + "] operator counters: " + counters + split);
      if (m.firstError() != null) {
        System.out.println("    first error: " + m.firstError());
      }
    }

    System.out.println();
    for (int n : concurrency) {
      Measured ref = results.get(REFERENCE + "|" + n);
      Measured warm = results.get(WARM + "|" + n);
      Measured refPaced = results.get(REFERENCE_PACED + "|" + n);
      Measured warmPaced = results.get(WARM_PACED + "|" + n);
      Measured pair = results.get(PAIR + "|" + n);
      Measured hs = results.get(HANDSHAKES + "|" + n);
      System.out.printf(
          Locale.ROOT,
          "%d clients: warm admission vs no-op review, closed loop: throughput %.2fx, client p99"
              + " %.2fx, p99.9 %.2fx; at 2,000/s: client p50 %.2fx, p99 %.2fx, p99.9 %.2fx%n",
          n,
          ratio(warm, ref, r -> r.perSecond()),
          ratio(warm, ref, r -> r.percentileMs(0.99)),
          ratio(warm, ref, r -> r.percentileMs(0.999)),
          ratio(warmPaced, refPaced, r -> r.percentileMs(0.5)),
          ratio(warmPaced, refPaced, r -> r.percentileMs(0.99)),
          ratio(warmPaced, refPaced, r -> r.percentileMs(0.999)));
      System.out.printf(
          Locale.ROOT,
          "%d clients: handshakes vs 2 no-op round trips: throughput %.2fx, client p99 %.2fx,"
              + " p99.9 %.2fx; vs single no-op reviews/s %.2fx%n",
          n,
          ratio(hs, pair, r -> r.perSecond()),
          ratio(hs, pair, r -> r.percentileMs(0.99)),
          ratio(hs, pair, r -> r.percentileMs(0.999)),
          ratio(hs, ref, r -> r.perSecond()));
    }
    System.out.println();
    for (int n : concurrency) {
      Measured warm = results.get(WARM + "|" + n);
      Measured paced = results.get(WARM_PACED + "|" + n);
      Measured hs = results.get(HANDSHAKES + "|" + n);
      double p99 = paced.client().percentileMs(0.99);
      double serverP99 = quantileMs(buckets(paced.delta(), REVIEW_HISTOGRAM), 0.99);
      // the paced phase offered 2,000/s; it kept up if it completed (nearly) all of them
      boolean keptUp =
          paced.client().perSecond() >= 0.98 * GOAL_RATE && paced.client().errors() == 0;
      System.out.printf(
          Locale.ROOT,
          "GOAL %d clients: warm admission p99 < 5 ms at >= 2,000 reviews/s: at %.0f/s client p99"
              + " %.3f ms -> %s; operator-histogram p99 %s ms -> %s; closed-loop maximum %.0f/s"
              + " -> %s%n",
          n,
          paced.client().perSecond(),
          p99,
          keptUp && p99 < 5 ? "MET" : "NOT MET",
          fmt(serverP99),
          keptUp && serverP99 < 5 ? "MET" : "NOT MET",
          warm.client().perSecond(),
          warm.client().perSecond() >= GOAL_RATE && warm.client().errors() == 0
              ? "MET"
              : "NOT MET");
      System.out.printf(
          Locale.ROOT,
          "GOAL %d clients: handshakes >= 2,000/s: %.0f/s (errors %d) -> %s%n",
          n,
          hs.client().perSecond(),
          hs.client().errors(),
          hs.client().perSecond() >= GOAL_RATE && hs.client().errors() == 0 ? "MET" : "NOT MET");
    }
    if (replicas != 2) {
      System.out.println("note: " + replicas + " replicas, not 2");
    }
  }

  private static double ratio(
      Measured a, Measured b, java.util.function.ToDoubleFunction<LoadRun.Result> f) {
    return f.applyAsDouble(a.client()) / f.applyAsDouble(b.client());
  }

  /** Each replica's share of the phase's observations, with its own histogram p50 and p99. */
  private static String split(Measured m) {
    List<String> parts = new ArrayList<>();
    for (String histogram : m.histograms()) {
      int brace = histogram.indexOf('{');
      String count =
          brace < 0
              ? histogram + "_count"
              : histogram.substring(0, brace) + "_count" + histogram.substring(brace);
      m.delta()
          .forEach(
              (k, v) -> {
                if (k.endsWith("/" + count)) {
                  String replica = k.substring(0, k.indexOf('/'));
                  Map<String, Double> own = new HashMap<>();
                  m.delta()
                      .forEach(
                          (key, value) -> {
                            if (key.startsWith(replica + "/")) {
                              own.put(key.substring(replica.length() + 1), value);
                            }
                          });
                  TreeMap<Double, Double> b = buckets(own, histogram);
                  parts.add(
                      String.format(
                          Locale.ROOT,
                          "%s%s %d (p50 %s, p99 %s ms)",
                          replica,
                          brace < 0 ? "" : " " + histogram.substring(brace),
                          Math.round(v),
                          fmt(quantileMs(b, 0.5)),
                          fmt(quantileMs(b, 0.99))));
                }
              });
    }
    return parts.isEmpty() ? "" : "\n    by replica: " + String.join("; ", parts);
  }

  private static String server(Measured m, String histogram) {
    TreeMap<Double, Double> b = buckets(m.delta(), histogram);
    return String.format(
        Locale.ROOT,
        "%8s %8s %8s",
        fmt(quantileMs(b, 0.5)),
        fmt(quantileMs(b, 0.99)),
        fmt(quantileMs(b, 0.999)));
  }

  private static String fmt(double ms) {
    if (Double.isNaN(ms)) {
      return "-";
    }
    return Double.isInfinite(ms) ? "beyond" : String.format(Locale.ROOT, "%.3f", ms);
  }

  /** Errors and warnings in both replicas' logs, and their restarts. */
  private static void operatorFindings(KubernetesClient client, NodeInstall install) {
    System.out.println();
    for (Pod pod : install.operatorPods()) {
      String name = pod.getMetadata().getName();
      int restarts =
          pod.getStatus().getContainerStatuses().stream()
              .mapToInt(s -> s.getRestartCount() == null ? 0 : s.getRestartCount())
              .sum();
      String log;
      try {
        log = client.pods().inNamespace(NodeInstall.NAMESPACE).withName(name).getLog();
      } catch (RuntimeException e) {
        System.out.println("[operator] " + name + ": no log: " + e.getMessage());
        continue;
      }
      List<String> findings =
          log.lines()
              // (fabric8's notes that the CRDs are v1alpha1 are not findings)
              .filter(l -> !l.contains("VersionUsageUtils"))
              .filter(
                  l ->
                      l.contains(" ERROR ")
                          || l.contains(" WARN ")
                          || l.contains("Exception")
                          || l.contains("OutOfMemory"))
              .toList();
      System.out.println(
          "[operator] "
              + name
              + ": restarts "
              + restarts
              + ", log lines "
              + log.lines().count()
              + ", ERROR/WARN/exception lines (besides v1alpha1 notes) "
              + findings.size());
      findings.stream()
          .map(l -> l.length() > 300 ? l.substring(0, 300) + "..." : l)
          .distinct()
          .limit(8)
          .forEach(l -> System.out.println("    " + l));
    }
  }

  // --- setup ---

  /** The CA the operator wrote into its validating webhook configuration (PEM). */
  private static String awaitCaBundle(KubernetesClient client) {
    String base64 =
        Await.value(
            "the operator to fill in the image webhook's caBundle",
            TIMEOUT,
            () ->
                Optional.ofNullable(
                        client
                            .admissionRegistration()
                            .v1()
                            .validatingWebhookConfigurations()
                            .withName("keychain-operator-images")
                            .get())
                    .map(c -> c.getWebhooks().get(0).getClientConfig().getCaBundle())
                    .filter(b -> !b.isEmpty()));
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
  }

  private static void namespace(KubernetesClient client, String name, String enabledLabel) {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(enabledLabel, "enabled")
                .endMetadata()
                .build())
        .create();
  }
}
