package dev.keychain.scenarios;

import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.FreePorts;
import dev.keychain.testing.fixtures.ManagedProcess;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The built operator ({@code operator/target/quarkus-app}) as a separate process against a local
 * control plane, with the credentials of a kubeconfig (the admin's, or a ServiceAccount's for the
 * RBAC scenarios), for load drivers and the scenario suite.
 */
public final class OperatorProcess {
  /** The namespace the operator runs "in" (its webhook CA Secret and leader Lease live there). */
  public static final String NAMESPACE = "keychain-system";

  private OperatorProcess() {}

  /** The source tree: the working directory or the nearest parent holding {@code crds/}. */
  public static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("crds")) && Files.isDirectory(dir.resolve("operator"))) {
        return dir;
      }
    }
    throw new IllegalStateException("not inside the keychain-operator source tree");
  }

  public static void installCrds(LocalControlPlane plane) throws IOException {
    try (var files = Files.list(root().resolve("crds"))) {
      for (Path crd : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(crd)) {
          plane.installCrd(
              plane.client().apiextensions().v1().customResourceDefinitions().load(in).item());
        }
      }
    }
  }

  /** Creates the operator's namespace unless it exists. */
  public static void createNamespace(KubernetesClient admin) {
    if (admin.namespaces().withName(NAMESPACE).get() == null) {
      admin
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
          .create();
    }
  }

  /** Starts the operator with the admin's credentials and {@code env} added. */
  public static ManagedProcess start(LocalControlPlane plane, Map<String, String> env)
      throws IOException {
    return start(plane, env, Map.of());
  }

  /**
   * Starts the operator with the admin's credentials, {@code env} and system properties {@code
   * config} (for settings whose names do not map from environment variables, such as map keys);
   * returns once it is ready. It runs "in" namespace {@value #NAMESPACE} (created here) with its
   * webhook server on a free loopback port unless {@code config} says otherwise.
   */
  public static ManagedProcess start(
      LocalControlPlane plane, Map<String, String> env, Map<String, String> config)
      throws IOException {
    createNamespace(plane.client());
    return start(plane.kubeconfig(), env, config, Files.createTempDirectory("keychain-operator-"));
  }

  /**
   * Starts the operator with the credentials of {@code kubeconfig}, logging into {@code logDir};
   * returns once its readiness check passes, fails as soon as it exits.
   */
  public static ManagedProcess start(
      Path kubeconfig, Map<String, String> env, Map<String, String> config, Path logDir)
      throws IOException {
    Path jar = root().resolve("operator/target/quarkus-app/quarkus-run.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("build the operator first: " + jar + " is missing");
    }
    Map<String, String> settings = new HashMap<>();
    settings.put("keychain.operator.namespace", NAMESPACE);
    settings.put("keychain.webhook.host", "127.0.0.1");
    settings.put("keychain.webhook.port", Integer.toString(FreePorts.loopback()));
    settings.put("keychain.webhook.extra-sans", "127.0.0.1");
    settings.putAll(config);
    // The HTTP port (health, metrics) is the caller's if it chose one.
    int port =
        config.containsKey("quarkus.http.port")
            ? Integer.parseInt(config.get("quarkus.http.port"))
            : FreePorts.loopback();
    Map<String, String> all = new HashMap<>(env);
    all.put("KUBECONFIG", kubeconfig.toString());
    all.put("QUARKUS_HTTP_PORT", Integer.toString(port));
    all.putIfAbsent("QUARKUS_LOG_LEVEL", "WARN");
    ManagedProcess operator = ManagedProcess.start("operator", command(jar, settings), logDir, all);
    operator.awaitReady(Duration.ofSeconds(90), () -> healthy(port));
    return operator;
  }

  private static List<String> command(Path jar, Map<String, String> config) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    config.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-jar");
    command.add(jar.toString());
    return command;
  }

  private static boolean healthy(int port) {
    try {
      return HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public static void waitUntil(BooleanSupplier condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("condition not met within " + timeout);
      }
      Thread.sleep(200);
    }
  }

  /** The CA bundle the operator published in its Secret, or null before it has. */
  public static String publishedCaPem(KubernetesClient admin) {
    var secret = admin.secrets().inNamespace(NAMESPACE).withName("keychain-operator-ca").get();
    if (secret == null || secret.getData() == null || secret.getData().get("ca.crt") == null) {
      return null;
    }
    return new String(
        Base64.getDecoder().decode(secret.getData().get("ca.crt")), StandardCharsets.US_ASCII);
  }

  /** An operator process serving its webhooks on loopback, and the CA bundle it published. */
  public record WithWebhooks(ManagedProcess process, int port, String caPem)
      implements AutoCloseable {
    public URI url(String path) {
      return URI.create("https://127.0.0.1:" + port + path);
    }

    @Override
    public void close() {
      process.close();
    }
  }

  /**
   * Starts the operator (admin credentials) in namespace {@value #NAMESPACE} with its webhook
   * server on a free loopback port (certificate from its own CA, which also names 127.0.0.1);
   * returns once the CA bundle is published.
   */
  public static WithWebhooks startWithWebhooks(LocalControlPlane plane) throws Exception {
    int port = FreePorts.loopback();
    ManagedProcess process =
        start(
            plane,
            Map.of(),
            Map.of(
                "keychain.webhook.port",
                Integer.toString(port),
                "keychain.agent.operator-url",
                "https://127.0.0.1:" + port));
    String[] ca = new String[1];
    waitUntil(() -> (ca[0] = publishedCaPem(plane.client())) != null, Duration.ofSeconds(60));
    return new WithWebhooks(process, port, ca[0]);
  }
}
