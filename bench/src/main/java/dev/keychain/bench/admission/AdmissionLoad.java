package dev.keychain.bench.admission;

import dev.keychain.bench.OperatorProcess;
import dev.keychain.core.signers.KeyIds;
import dev.keychain.core.signers.PublicKeys;
import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.ContentTrustScenario;
import dev.keychain.testing.fixtures.FreePorts;
import dev.keychain.testing.fixtures.ManagedProcess;
import dev.keychain.testing.fixtures.NotaryServer;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Load driver for the validating image webhook, in a process of its own: the operator runs as a
 * separate process against the local control plane, with the real registry and notary-server on
 * loopback and a SignerWhitelist governing the images. Measures, over HTTPS with keep-alive:
 *
 * <ul>
 *   <li>reference: reviews of an object the webhook does not govern (same TLS, HTTP and JSON path,
 *       no verification): the unloaded round trip;
 *   <li>warm: pods whose signed image's verdict is cached (target p99 &lt; 5 ms, &gt;= 2,000/s);
 *   <li>cold: pods with images never seen before, each resolved at the registry and verified
 *       against notary's TUF metadata (target p99 &lt; 50 ms).
 * </ul>
 *
 * <p>Usage: {@code bench/run-admission.sh [seconds] [threads] [coldImages]}.
 */
public final class AdmissionLoad {
  private static final ResourceDefinitionContext WHITELISTS =
      new ResourceDefinitionContext.Builder()
          .withGroup("keychain.dev")
          .withVersion("v1alpha1")
          .withKind("SignerWhitelist")
          .withPlural("signerwhitelists")
          .withNamespaced(true)
          .build();

  private AdmissionLoad() {}

  /** Latencies of one phase. */
  record Result(
      String name, int threads, long requests, double seconds, long[] nanos, long errors) {
    double perSecond() {
      return requests / seconds;
    }

    double percentileMs(double p) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
      return sorted[Math.max(0, i)] / 1e6;
    }
  }

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int coldImages = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    Path work = Files.createTempDirectory("keychain-admission-bench-");
    try (LocalControlPlane plane =
            LocalControlPlane.start(LocalControlPlane.Options.apiServerOnly());
        OciRegistry registry = OciRegistry.start(work.resolve("registry"));
        NotaryServer notary = NotaryServer.start(work.resolve("notary"))) {
      OperatorProcess.installCrds(plane);
      System.out.println("[bench] publishing trust data for " + coldImages + " images");
      ContentTrustScenario scenario =
          ContentTrustScenario.publish(registry, notary, work, "malicious");
      List<TestImages.Pushed> cold = new ArrayList<>();
      for (int i = 0; i < coldImages; i++) {
        TestImages.Pushed p = registry.pushTestImage("edge/app", "cold-" + i, "cold image " + i);
        scenario
            .publisher()
            .addHash(scenario.gun(), p.tag(), p.manifest().length, p.digest(), "targets/releases");
        cold.add(p);
      }
      scenario.publisher().publish(scenario.gun());

      Path[] tls =
          plane.pki().loopbackServerCertificate("keychain-webhook").writeTo(work, "webhook");
      int sslPort = FreePorts.loopback();
      try (ManagedProcess operator =
          OperatorProcess.start(
              plane,
              Map.of(),
              Map.of(
                  "quarkus.tls.key-store.pem.0.cert", tls[0].toString(),
                  "quarkus.tls.key-store.pem.0.key", tls[1].toString(),
                  "quarkus.http.ssl-port", Integer.toString(sslPort)))) {
        String ns = plane.newNamespace("admission-bench");
        String aliceId =
            KeyIds.notaryCanonicalId(
                PublicKeys.fromPem(Files.readString(scenario.aliceCertificate())));
        plane
            .client()
            .genericKubernetesResources(WHITELISTS)
            .inNamespace(ns)
            .resource(whitelist(ns, registry, notary, scenario, aliceId))
            .create();
        OperatorProcess.waitUntil(() -> ready(plane, ns), Duration.ofSeconds(60));

        HttpClient http =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(plane.pki().trustingContext())
                .build();
        URI uri = URI.create("https://127.0.0.1:" + sslPort + "/admission/images");
        String legit = scenario.legit().tagReference();
        // warm up the JIT and the caches
        run("warm-up", http, uri, threads, 3, i -> review(ns, "ConfigMap", null));
        run("warm-up", http, uri, threads, 3, i -> review(ns, "Pod", legit));

        Result reference =
            run(
                "reference: not governed",
                http,
                uri,
                threads,
                seconds,
                i -> review(ns, "ConfigMap", null));
        Result warm =
            run("warm: cached verdict", http, uri, threads, seconds, i -> review(ns, "Pod", legit));
        Result referenceOne =
            runCount(
                "reference: 1 client", http, uri, coldImages, i -> review(ns, "ConfigMap", null));
        Result coldOne =
            runCount(
                "cold: new image, 1 client",
                http,
                uri,
                coldImages,
                i -> review(ns, "Pod", cold.get(i).tagReference()));

        System.out.println();
        System.out.println(
            "== Validating image admission (operator process, HTTPS on loopback, 2 cores) ==");
        System.out.printf(
            Locale.ROOT,
            "%-28s | %7s | %9s | %8s | %8s | %s%n",
            "phase",
            "clients",
            "reviews/s",
            "p50 ms",
            "p99 ms",
            "errors");
        for (Result r : List.of(reference, warm, referenceOne, coldOne)) {
          System.out.printf(
              Locale.ROOT,
              "%-28s | %7d | %9.0f | %8.3f | %8.3f | %d%n",
              r.name(),
              r.threads(),
              r.perSecond(),
              r.percentileMs(0.5),
              r.percentileMs(0.99),
              r.errors());
        }
        if (FIRST_ERROR.get() != null) {
          System.out.println("first error: " + FIRST_ERROR.get());
        }
        System.out.printf(
            Locale.ROOT,
            "warm vs reference: throughput %.2fx, p99 %.2fx (targets: p99 < 5 ms, >= 2000/s)%n",
            warm.perSecond() / reference.perSecond(),
            warm.percentileMs(0.99) / reference.percentileMs(0.99));
        System.out.printf(
            Locale.ROOT,
            "cold vs reference (1 client): p50 %.1fx, p99 %.1fx (target: p99 < 50 ms)%n",
            coldOne.percentileMs(0.5) / referenceOne.percentileMs(0.5),
            coldOne.percentileMs(0.99) / referenceOne.percentileMs(0.99));
      }
    }
  }

  private static boolean ready(LocalControlPlane plane, String ns) {
    GenericKubernetesResource wl =
        plane
            .client()
            .genericKubernetesResources(WHITELISTS)
            .inNamespace(ns)
            .withName("edge")
            .get();
    Object status = wl == null ? null : wl.getAdditionalProperties().get("status");
    return status != null
        && status.toString().contains("type=Ready")
        && status.toString().contains("status=True");
  }

  private static GenericKubernetesResource whitelist(
      String ns,
      OciRegistry registry,
      NotaryServer notary,
      ContentTrustScenario scenario,
      String aliceId) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("keychain.dev/v1alpha1")
        .withKind("SignerWhitelist")
        .withNewMetadata()
        .withName("edge")
        .withNamespace(ns)
        .endMetadata()
        .addToAdditionalProperties(
            "spec",
            Map.of(
                "images", List.of(registry.hostPort() + "/edge/*"),
                "signers", List.of(Map.of("name", "alice", "keyId", aliceId)),
                "trust",
                    Map.of(
                        "notary",
                        Map.of(
                            "server", notary.url(),
                            "rootKeyIds", List.of(scenario.publisher().rootKeyId()),
                            "caBundle", notary.pki().caPem())),
                "registry", Map.of("insecureHttp", true)))
        .build();
  }

  private static final AtomicInteger UID = new AtomicInteger();

  static String review(String ns, String kind, String image) {
    String object =
        kind.equals("Pod")
            ? "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\""
                + ns
                + "\"},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\""
                + image
                + "\"}]}}"
            : "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"namespace\":\""
                + ns
                + "\"}}";
    return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u"
        + UID.incrementAndGet()
        + "\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\""
        + kind
        + "\"},\"namespace\":\""
        + ns
        + "\",\"name\":\"x\",\"operation\":\"CREATE\",\"object\":"
        + object
        + "}}";
  }

  private static final java.util.concurrent.atomic.AtomicReference<String> FIRST_ERROR =
      new java.util.concurrent.atomic.AtomicReference<>();

  private static boolean send(HttpClient http, URI uri, String body) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      boolean ok = r.statusCode() == 200 && r.body().contains("\"allowed\":true");
      if (!ok) {
        FIRST_ERROR.compareAndSet(null, "HTTP " + r.statusCode() + ": " + r.body());
      }
      return ok;
    } catch (Exception e) {
      FIRST_ERROR.compareAndSet(null, e.toString());
      return false;
    }
  }

  /** {@code threads} clients sending reviews back to back for {@code seconds}. */
  static Result run(
      String name, HttpClient http, URI uri, int threads, int seconds, IntFunction<String> body)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    long start = System.nanoTime();
    List<Future<long[]>> futures = new ArrayList<>();
    AtomicInteger errors = new AtomicInteger();
    for (int t = 0; t < threads; t++) {
      futures.add(
          pool.submit(
              () -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < end) {
                  long s = System.nanoTime();
                  if (!send(http, uri, body.apply(n))) {
                    errors.incrementAndGet();
                  }
                  if (n == lat.length) {
                    lat = Arrays.copyOf(lat, n * 2);
                  }
                  lat[n++] = System.nanoTime() - s;
                }
                return Arrays.copyOf(lat, n);
              }));
    }
    List<long[]> all = new ArrayList<>();
    for (Future<long[]> f : futures) {
      all.add(f.get());
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    long[] merged = all.stream().flatMapToLong(Arrays::stream).toArray();
    return new Result(name, threads, merged.length, elapsed, merged, errors.get());
  }

  /** One client sending {@code count} reviews, each for a different object. */
  static Result runCount(
      String name, HttpClient http, URI uri, int count, IntFunction<String> body) {
    long[] lat = new long[count];
    long errors = 0;
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long s = System.nanoTime();
      if (!send(http, uri, body.apply(i))) {
        errors++;
      }
      lat[i] = System.nanoTime() - s;
    }
    return new Result(name, 1, count, (System.nanoTime() - start) / 1e9, lat, errors);
  }
}
