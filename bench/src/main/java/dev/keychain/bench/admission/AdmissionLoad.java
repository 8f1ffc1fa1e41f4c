package dev.keychain.bench.admission;

import dev.keychain.bench.LoadRun;
import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.core.tls.TrustBundles;
import dev.keychain.scenarios.OperatorProcess;
import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.ContentTrustScenario;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

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

      try (OperatorProcess.WithWebhooks operator = OperatorProcess.startWithWebhooks(plane)) {
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
                .sslContext(TrustBundles.trusting(operator.caPem()))
                .build();
        URI uri = operator.url("/admission/images");
        String legit = scenario.legit().tagReference();
        // warm up the JIT and the caches
        LoadRun.run("warm-up", threads, 3, i -> send(http, uri, review(ns, "ConfigMap", null)));
        LoadRun.run("warm-up", threads, 3, i -> send(http, uri, review(ns, "Pod", legit)));

        LoadRun.Result reference =
            LoadRun.run(
                "reference: not governed",
                threads,
                seconds,
                i -> send(http, uri, review(ns, "ConfigMap", null)));
        LoadRun.Result warm =
            LoadRun.run(
                "warm: cached verdict",
                threads,
                seconds,
                i -> send(http, uri, review(ns, "Pod", legit)));
        LoadRun.Result referenceOne =
            LoadRun.runCount(
                "reference: 1 client",
                coldImages,
                i -> send(http, uri, review(ns, "ConfigMap", null)));
        LoadRun.Result coldOne =
            LoadRun.runCount(
                "cold: new image, 1 client",
                coldImages,
                i -> send(http, uri, review(ns, "Pod", cold.get(i).tagReference())));

        LoadRun.print(
            "Validating image admission (operator process, HTTPS on loopback, 2 cores)",
            "reviews",
            List.of(reference, warm, referenceOne, coldOne));
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

  public static String review(String ns, String kind, String image) {
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

  public static boolean send(HttpClient http, URI uri, String body) {
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
        LoadRun.FIRST_ERROR.compareAndSet(null, "HTTP " + r.statusCode() + ": " + r.body());
      }
      return ok;
    } catch (Exception e) {
      LoadRun.FIRST_ERROR.compareAndSet(null, e.toString());
      return false;
    }
  }
}
