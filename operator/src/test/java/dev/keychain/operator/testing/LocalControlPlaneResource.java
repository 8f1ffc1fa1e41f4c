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

  private static int webhookPort;

  /** The HTTPS URL of the operator's webhook endpoint {@code path} (loopback, test PKI). */
  public static String webhookUrl(String path) {
    return "https://127.0.0.1:" + webhookPort + path;
  }

  /** The CA that signed the operator's serving certificate, for webhook configurations. */
  public static String webhookCaPem() {
    return plane().pki().caPem();
  }

  @Override
  public Map<String, String> start() {
    LocalControlPlane p = plane();
    var config = p.adminConfig();
    Base64.Encoder b64 = Base64.getEncoder();
    // The webhooks are served over HTTPS with a certificate from the control plane's CA, which the
    // webhook configurations name as their caBundle.
    Path tlsDir = Path.of("target", "webhook-tls");
    Path[] tls =
        p.pki().loopbackServerCertificate("keychain-operator-webhook").writeTo(tlsDir, "tls");
    webhookPort = FreePorts.loopback();
    return Map.ofEntries(
        Map.entry("quarkus.tls.key-store.pem.0.cert", tls[0].toAbsolutePath().toString()),
        Map.entry("quarkus.tls.key-store.pem.0.key", tls[1].toAbsolutePath().toString()),
        Map.entry("quarkus.http.test-ssl-port", Integer.toString(webhookPort)),
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
