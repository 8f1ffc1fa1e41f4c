package dev.keychain.operator.webhook;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.tls.CertificateAuthority;
import dev.keychain.core.tls.TrustBundles;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.operator.testing.Webhooks;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * The operator's own webhook PKI on the real control plane. Tests run with serving certificates
 * valid for 60 s (renewed every ~20 s) and a CA promotion delay of 6 s, so rotations happen during
 * this and every other integration test.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalControlPlaneResource.class, restrictToAnnotatedClass = false)
class WebhookCertificatesIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @Inject KubernetesClient client;

  @Test
  void rotatesServingCertificateWithoutDroppingRequests() throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(TrustBundles.trusting(LocalControlPlaneResource.webhookCaPem()))
            .build();
    // One keep-alive client throughout: its connection, opened before the rotation, outlives it.
    assertEquals(400, malformedReview(http).statusCode());
    X509Certificate first = servingCertificate();
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (servingCertificate().getSerialNumber().equals(first.getSerialNumber())) {
      assertTrue(System.nanoTime() < deadline, "serving certificate not rotated in " + TIMEOUT);
      assertEquals(400, malformedReview(http).statusCode());
      Thread.sleep(100);
    }
    for (int i = 0; i < 20; i++) {
      assertEquals(400, malformedReview(http).statusCode());
    }
  }

  @Test
  void rollsTheCaOverWhileTheApiServerKeepsCallingTheWebhooks() throws Exception {
    Webhooks.registerImageAdmission(client);
    String ns = LocalControlPlaneResource.newNamespace("ca-rollover");
    Webhooks.enableImageAdmission(client, ns);
    // A CA two thirds through its life: due for rollover.
    Instant now = Instant.now();
    CertificateAuthority old =
        CertificateAuthority.create("old-ca", Duration.ofDays(3), now.minus(Duration.ofHours(50)));
    String oldPem = CertificateAuthority.Pem.encode(old.certificate());
    Secret secret = caSecret();
    Map<String, String> data = new HashMap<>();
    data.put("tls.crt", b64(oldPem));
    data.put("tls.key", b64(CertificateAuthority.Pem.encode(old.asIssued().key())));
    data.put("ca.crt", b64(oldPem));
    client.resource(new SecretBuilder(secret).withData(data).build()).update();

    // The operator serves from the old CA, then publishes a next CA beside it ...
    await().atMost(TIMEOUT).until(() -> caSecret().getData().containsKey("next.crt"));
    assertEquals(2, bundle(caSecret()).size());
    await().atMost(TIMEOUT).until(() -> configuredBundle().size() == 2);
    // ... and issues from it once it has been trusted long enough; the old CA stays in the bundle.
    await().atMost(TIMEOUT).until(() -> !caSecret().getData().containsKey("next.crt"));
    X509Certificate promoted =
        CertificateAuthority.Pem.certificates(decode(caSecret().getData().get("tls.crt")), "ca")
            .get(0);
    assertNotEquals(old.certificate(), promoted);
    assertTrue(bundle(caSecret()).contains(old.certificate()));
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                servingCertificate()
                    .getIssuerX500Principal()
                    .equals(promoted.getSubjectX500Principal()));
    servingCertificate().verify(promoted.getPublicKey());

    // The API server still reaches the webhook (failurePolicy Fail: a certificate it did not
    // trust would refuse the pod with "failed calling webhook"); no whitelist governs this
    // namespace, so the webhook itself denies the pod, saying so.
    io.fabric8.kubernetes.client.KubernetesClientException denied =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.fabric8.kubernetes.client.KubernetesClientException.class,
            () ->
                client
                    .pods()
                    .inNamespace(ns)
                    .resource(
                        new PodBuilder()
                            .withNewMetadata()
                            .withName("after-rollover")
                            .endMetadata()
                            .withNewSpec()
                            .addNewContainer()
                            .withName("app")
                            .withImage("registry.example/app:1")
                            .endContainer()
                            .endSpec()
                            .build())
                    .create());
    assertEquals(403, denied.getCode(), denied.getMessage());
    assertTrue(
        denied
            .getMessage()
            .contains("no SignerWhitelist in namespace " + ns + " or ClusterSignerWhitelist"),
        denied.getMessage());
  }

  private Secret caSecret() {
    return client
        .secrets()
        .inNamespace(LocalControlPlaneResource.OPERATOR_NAMESPACE)
        .withName("keychain-operator-ca")
        .get();
  }

  private static List<X509Certificate> bundle(Secret secret) {
    return CertificateAuthority.Pem.certificates(decode(secret.getData().get("ca.crt")), "bundle");
  }

  private List<X509Certificate> configuredBundle() {
    String b =
        client
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .withName("keychain-operator-images")
            .get()
            .getWebhooks()
            .get(0)
            .getClientConfig()
            .getCaBundle();
    return CertificateAuthority.Pem.certificates(decode(b), "caBundle");
  }

  private static X509Certificate servingCertificate() throws Exception {
    URI url = URI.create(LocalControlPlaneResource.webhookUrl("/"));
    try (SSLSocket socket =
        (SSLSocket)
            TrustBundles.trusting(LocalControlPlaneResource.webhookCaPem())
                .getSocketFactory()
                .createSocket(url.getHost(), url.getPort())) {
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  private static HttpResponse<String> malformedReview(HttpClient http) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create(LocalControlPlaneResource.webhookUrl("/admission/images")))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static String decode(String s) {
    return new String(Base64.getDecoder().decode(s), StandardCharsets.US_ASCII);
  }
}
