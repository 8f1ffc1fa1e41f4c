package dev.keychain.operator.testing;

import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.FreePorts;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs the operator under test against the real local control plane (started once per test JVM,
 * with kube-controller-manager for garbage collection), with the committed CRDs from {@code crds/}
 * installed, as a user would install them.
 */
public class LocalControlPlaneResource implements QuarkusTestResourceLifecycleManager {
  private static LocalControlPlane plane;

  public static synchronized LocalControlPlane plane() {
    if (plane == null) {
      plane = LocalControlPlane.start(LocalControlPlane.Options.withControllerManager());
      Runtime.getRuntime().addShutdownHook(new Thread(plane::close));
      installCrds(plane);
    }
    return plane;
  }

  private static void installCrds(LocalControlPlane plane) {
    Path crds = Path.of("..", "crds");
    try (Stream<Path> files = Files.list(crds)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          plane.installCrd(
              plane.client().apiextensions().v1().customResourceDefinitions().load(in).item());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot install CRDs from " + crds.toAbsolutePath(), e);
    }
  }

  /** The namespace the operator under test runs "in": its webhook CA Secret lives there. */
  public static final String OPERATOR_NAMESPACE = "keychain-system";

  private static int webhookPort;

  /** The HTTPS URL of the operator's webhook endpoint {@code path} (loopback). */
  public static String webhookUrl(String path) {
    return "https://127.0.0.1:" + webhookPort + path;
  }

  /** The CA bundle of the operator's own webhook CA, as it published it in its Secret. */
  public static String webhookCaPem() {
    var secret =
        plane()
            .client()
            .secrets()
            .inNamespace(OPERATOR_NAMESPACE)
            .withName("keychain-operator-ca")
            .get();
    if (secret == null) {
      throw new IllegalStateException("the operator has not created its webhook CA yet");
    }
    return new String(
        Base64.getDecoder().decode(secret.getData().get("ca.crt")), StandardCharsets.US_ASCII);
  }

  @Override
  public Map<String, String> start() {
    LocalControlPlane p = plane();
    var config = p.adminConfig();
    Base64.Encoder b64 = Base64.getEncoder();
    if (p.client().namespaces().withName(OPERATOR_NAMESPACE).get() == null) {
      p.client()
          .namespaces()
          .resource(
              new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                  .withNewMetadata()
                  .withName(OPERATOR_NAMESPACE)
                  .endMetadata()
                  .build())
          .create();
    }
    // The operator serves its webhooks with a certificate from its own CA; loopback is added to
    // the names so that the API server (and tests) can call it on 127.0.0.1.
    webhookPort = FreePorts.loopback();
    return Map.ofEntries(
        Map.entry("keychain.operator.namespace", OPERATOR_NAMESPACE),
        Map.entry("keychain.webhook.host", "127.0.0.1"),
        Map.entry("keychain.webhook.port", Integer.toString(webhookPort)),
        Map.entry("keychain.webhook.extra-sans", "127.0.0.1"),
        Map.entry("keychain.webhook.check-interval", "PT2S"),
        // Short-lived serving certificates: rotations happen during every integration test.
        Map.entry("keychain.webhook.cert-validity", "PT60S"),
        Map.entry("keychain.webhook.ca-promote-after", "PT6S"),
        Map.entry("keychain.agent.operator-url", "https://127.0.0.1:" + webhookPort),
        Map.entry("keychain.agent.image", "keychain-agent:test"),
        Map.entry("quarkus.kubernetes-client.api-server-url", p.apiServerUrl()),
        Map.entry(
            "quarkus.kubernetes-client.ca-cert-data",
            b64.encodeToString(p.pki().caPem().getBytes(StandardCharsets.US_ASCII))),
        Map.entry("quarkus.kubernetes-client.client-cert-data", config.getClientCertData()),
        Map.entry("quarkus.kubernetes-client.client-key-data", config.getClientKeyData()),
        Map.entry("quarkus.kubernetes-client.client-key-algo", "EC"),
        Map.entry("quarkus.kubernetes-client.trust-certs", "false"));
  }

  @Override
  public void stop() {
    // The plane outlives each Quarkus application of the test run; a shutdown hook stops it.
  }

  /** Namespaces for tests. */
  public static String newNamespace(String prefix) {
    return plane().newNamespace(prefix);
  }
}
