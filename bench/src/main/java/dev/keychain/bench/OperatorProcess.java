package dev.keychain.bench;

import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.FreePorts;
import dev.keychain.testing.fixtures.ManagedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The built operator ({@code operator/target/quarkus-app}) as a separate process against a local
 * control plane with the committed CRDs installed, for load drivers.
 */
public final class OperatorProcess {
  private OperatorProcess() {}

  public static Path root() {
    return Path.of("").toAbsolutePath();
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

  /** Starts the operator with {@code env} added; returns once it reports ready. */
  public static ManagedProcess start(LocalControlPlane plane, Map<String, String> env)
      throws IOException {
    return start(plane, env, Map.of());
  }

  /**
   * Starts the operator with {@code env} and system properties {@code config} (for settings whose
   * names do not map from environment variables, such as map keys); returns once it is ready. It
   * runs "in" namespace {@code keychain-system} (created here) with its webhook server on a free
   * loopback port unless {@code config} says otherwise.
   */
  public static ManagedProcess start(
      LocalControlPlane plane, Map<String, String> env, Map<String, String> config)
      throws IOException {
    Path jar = root().resolve("operator/target/quarkus-app/quarkus-run.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("build the operator first: " + jar + " is missing");
    }
    var client = plane.client();
    if (client.namespaces().withName(NAMESPACE).get() == null) {
      client
          .namespaces()
          .resource(
              new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                  .withNewMetadata()
                  .withName(NAMESPACE)
                  .endMetadata()
                  .build())
          .create();
    }
    Map<String, String> settings = new HashMap<>();
    settings.put("keychain.operator.namespace", NAMESPACE);
    settings.put("keychain.webhook.host", "127.0.0.1");
    settings.put("keychain.webhook.port", Integer.toString(FreePorts.loopback()));
    settings.put("keychain.webhook.extra-sans", "127.0.0.1");
    settings.putAll(config);
    int port = FreePorts.loopback();
    Map<String, String> all = new HashMap<>(env);
    all.put("KUBECONFIG", plane.kubeconfig().toString());
    all.put("QUARKUS_HTTP_PORT", Integer.toString(port));
    all.putIfAbsent("QUARKUS_LOG_LEVEL", "WARN");
    ManagedProcess operator =
        ManagedProcess.start(
            "operator", command(jar, settings), Files.createTempDirectory("keychain-bench-"), all);
    operator.awaitReady(Duration.ofSeconds(60), () -> healthy(port));
    return operator;
  }

  /** The namespace the operator runs "in" (its webhook CA Secret and leader Lease live there). */
  public static final String NAMESPACE = "keychain-system";

  private static List<String> command(Path jar, Map<String, String> config) {
    List<String> command = new java.util.ArrayList<>();
    command.add("java");
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
   * Starts the operator in namespace {@code keychain-system} with its webhook server on a free
   * loopback port (certificate from its own CA, which also names 127.0.0.1); returns once the CA
   * bundle is published.
   */
  public static WithWebhooks startWithWebhooks(LocalControlPlane plane) throws Exception {
    var client = plane.client();
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
    waitUntil(
        () -> {
          var secret =
              client
                  .secrets()
                  .inNamespace("keychain-system")
                  .withName("keychain-operator-ca")
                  .get();
          if (secret == null) {
            return false;
          }
          ca[0] =
              new String(
                  java.util.Base64.getDecoder().decode(secret.getData().get("ca.crt")),
                  java.nio.charset.StandardCharsets.US_ASCII);
          return true;
        },
        Duration.ofSeconds(60));
    return new WithWebhooks(process, port, ca[0]);
  }
}
