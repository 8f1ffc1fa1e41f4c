package dev.keychain.operator.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.testing.fixtures.TestPki;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * The cert-manager mode ({@code keychain.webhook.serving-secret}): the webhook server serves the
 * Secret's certificate (checked with a real TLS handshake against the Secret's CA only), follows a
 * renewal, serves its own certificate until the Secret exists, and the bundle it injects holds both
 * CAs. Runs the certificate component against the real local control plane.
 */
class ServingSecretTest {
  private final KubernetesClient client = LocalControlPlaneResource.plane().client();

  private WebhookCertificates certificates(String namespace) {
    return new WebhookCertificates(
        client,
        new CaBundleInjector(client, "serving-secret-test"),
        namespace,
        "keychain-operator",
        Optional.empty(),
        "keychain-operator-ca",
        Duration.ofDays(365),
        Duration.ofDays(30),
        Duration.ofMinutes(5),
        Optional.of("webhook-tls"));
  }

  private void writeTlsSecret(String namespace, TestPki ca, TestPki.Issued cert) {
    Base64.Encoder b64 = Base64.getEncoder();
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("webhook-tls")
                .withNamespace(namespace)
                .endMetadata()
                .withType("kubernetes.io/tls")
                .withData(
                    Map.of(
                        "tls.crt",
                            b64.encodeToString(
                                cert.certificatePem().getBytes(StandardCharsets.US_ASCII)),
                        "tls.key",
                            b64.encodeToString(
                                cert.privateKeyPem().getBytes(StandardCharsets.US_ASCII)),
                        "ca.crt",
                            b64.encodeToString(ca.caPem().getBytes(StandardCharsets.US_ASCII))))
                .build())
        .serverSideApply();
  }

  /** The certificate a TLS client trusting only {@code ca} is served by {@code keys}. */
  private static X509Certificate handshake(KeyManager keys, TestPki ca) throws Exception {
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(new KeyManager[] {keys}, null, null);
    try (SSLServerSocket listener =
        (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0)) {
      Thread accept =
          new Thread(
              () -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  InputStream in = s.getInputStream();
                  OutputStream out = s.getOutputStream();
                  out.write(in.read());
                  out.flush();
                } catch (Exception e) {
                  // the client reports the failure
                }
              });
      accept.start();
      try (SSLSocket client =
          (SSLSocket)
              ca.trustingContext()
                  .getSocketFactory()
                  .createSocket("127.0.0.1", listener.getLocalPort())) {
        client.getOutputStream().write(1);
        client.getOutputStream().flush();
        assertEquals(1, client.getInputStream().read());
        return (X509Certificate) client.getSession().getPeerCertificates()[0];
      } finally {
        accept.join(5000);
      }
    }
  }

  @Test
  void servesTheSecretsCertificateFollowsRenewalAndBundlesBothCas() throws Exception {
    String ns = LocalControlPlaneResource.newNamespace("serving-secret");
    TestPki certManagerCa = TestPki.create("cert-manager test CA");
    TestPki.Issued first = certManagerCa.loopbackServerCertificate("keychain-operator");
    writeTlsSecret(ns, certManagerCa, first);

    WebhookCertificates certificates = certificates(ns);
    certificates.refresh(Instant.now());
    assertEquals(first.certificate(), handshake(certificates.keyManager(), certManagerCa));
    String bundle = certificates.caBundlePem();
    assertTrue(bundle.contains(certManagerCa.caPem().trim()), bundle);
    assertEquals(2, bundle.split("-----BEGIN CERTIFICATE-----").length - 1, bundle);

    TestPki.Issued renewed = certManagerCa.loopbackServerCertificate("keychain-operator");
    writeTlsSecret(ns, certManagerCa, renewed);
    certificates.refresh(Instant.now());
    X509Certificate served = handshake(certificates.keyManager(), certManagerCa);
    assertEquals(renewed.certificate(), served);
    assertNotEquals(first.certificate(), served);
  }

  @Test
  void servesItsOwnCertificateUntilTheSecretExists() throws Exception {
    String ns = LocalControlPlaneResource.newNamespace("serving-secret");
    WebhookCertificates certificates = certificates(ns);
    certificates.refresh(Instant.now());
    X509Certificate own = certificates.keyManager().getCertificateChain("webhook")[0];
    assertTrue(
        own.getSubjectX500Principal().getName().contains("keychain-operator"),
        own.getSubjectX500Principal().getName());
    String before = certificates.caBundlePem();

    TestPki certManagerCa = TestPki.create("cert-manager test CA");
    TestPki.Issued issued = certManagerCa.loopbackServerCertificate("keychain-operator");
    writeTlsSecret(ns, certManagerCa, issued);
    certificates.refresh(Instant.now());
    assertEquals(issued.certificate(), handshake(certificates.keyManager(), certManagerCa));
    assertNotEquals(before, certificates.caBundlePem());
  }
}
