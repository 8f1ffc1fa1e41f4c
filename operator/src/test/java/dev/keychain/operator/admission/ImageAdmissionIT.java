package dev.keychain.operator.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.core.tls.TrustBundles;
import dev.keychain.operator.api.v1alpha1.CosignTrustSpec;
import dev.keychain.operator.api.v1alpha1.NotaryTrustSpec;
import dev.keychain.operator.api.v1alpha1.RegistrySpec;
import dev.keychain.operator.api.v1alpha1.SignerPolicySpec;
import dev.keychain.operator.api.v1alpha1.SignerSpec;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import dev.keychain.operator.api.v1alpha1.TrustSpec;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.testing.Fixtures;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.operator.testing.Webhooks;
import dev.keychain.testing.fixtures.ContentTrustScenario;
import dev.keychain.testing.fixtures.NotaryClient;
import dev.keychain.testing.fixtures.NotaryServer;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Image admission end to end: the real API server calls the operator's webhook, which checks
 * signatures published with the real notary CLI to a real notary-server and made by the real cosign
 * CLI in a real registry.
 */
@QuarkusTest
@QuarkusTestResource(LocalControlPlaneResource.class)
class ImageAdmissionIT {
  static Path dir;
  static OciRegistry registry;
  static NotaryServer notary;
  static NotaryClient publisher;
  static String gun;
  static String aliceId;
  static String malloryId;
  static CosignSigner carol;
  static TestImages.Pushed legit;
  static TestImages.Pushed malicious;
  static TestImages.Pushed unsigned;
  static TestImages.Pushed cosigned;

  @Inject KubernetesClient client;
  @Inject OperatorMetrics metrics;

  @BeforeAll
  static void publish() throws Exception {
    dir = Files.createTempDirectory("image-admission");
    registry = OciRegistry.start(dir.resolve("registry"));
    notary = NotaryServer.start(dir.resolve("notary"));
    ContentTrustScenario scenario = ContentTrustScenario.publish(registry, notary, dir, "1.0.1");
    publisher = scenario.publisher();
    gun = scenario.gun();
    legit = scenario.legit();
    malicious = scenario.malicious();
    unsigned = registry.pushTestImage("edge/app", "unsigned", "unsigned");
    aliceId =
        KeyIds.notaryCanonicalId(PublicKeys.fromPem(Files.readString(scenario.aliceCertificate())));
    malloryId =
        KeyIds.notaryCanonicalId(
            PublicKeys.fromPem(Files.readString(scenario.malloryCertificate())));

    // cosign: carol signs with the real cosign CLI
    carol = CosignSigner.create(dir, "carol");
    cosigned = registry.pushTestImage("cosign/app", "v1", "cosigned");
    carol.sign(cosigned);
  }

  @AfterAll
  static void stop() {
    registry.close();
    notary.close();
  }

  private String namespace() {
    return Webhooks.imageAdmissionNamespace(client, "images");
  }

  private SignerWhitelist whitelist(String ns, String name, String mode, String notaryUrl) {
    SignerWhitelist wl = new SignerWhitelist();
    wl.getMetadata().setName(name);
    wl.getMetadata().setNamespace(ns);
    SignerWhitelistSpec spec = new SignerWhitelistSpec();
    spec.setImages(List.of(registry.hostPort() + "/edge/*", registry.hostPort() + "/cosign/**"));
    SignerSpec alice = new SignerSpec();
    alice.setName("alice");
    alice.setKeyId(aliceId);
    spec.setSigners(List.of(alice, carol.signer()));
    TrustSpec trust = new TrustSpec();
    NotaryTrustSpec n = new NotaryTrustSpec();
    n.setServer(notaryUrl);
    n.setRootKeyIds(List.of(publisher.rootKeyId()));
    n.setCaBundle(notary.pki().caPem());
    trust.setNotary(n);
    trust.setCosign(new CosignTrustSpec());
    spec.setTrust(trust);
    RegistrySpec reg = new RegistrySpec();
    reg.setInsecureHttp(true);
    spec.setRegistry(reg);
    spec.setMode(mode);
    wl.setSpec(spec);
    return wl;
  }

  private void install(SignerWhitelist wl) {
    TestWhitelists.createReady(client, wl);
  }

  private static Pod pod(String ns, String image) {
    return TestPods.pod(ns, image);
  }

  private String denial(String ns, String image) {
    return TestPods.denial(client, ns, image);
  }

  @Test
  void admitsLegitimateImageAndDeniesTheAttackersOwnSignature() {
    String ns = namespace();
    install(whitelist(ns, "edge", "Enforce", notary.url()));
    assertNotNull(client.resource(pod(ns, legit.tagReference())).create());
    assertNotNull(client.resource(pod(ns, legit.digestReference())).create());

    String message = denial(ns, malicious.tagReference());
    assertTrue(
        message.contains(
            "image "
                + malicious.tagReference()
                + " ("
                + malicious.digest()
                + "): "
                + malloryId
                + " is not permitted key ID (notary role targets/mallory)"),
        message);
    assertTrue(message.contains("(SignerWhitelist " + ns + "/edge)"), message);

    await()
        .atMost(Duration.ofSeconds(40))
        .untilAsserted(
            () -> {
              SignerWhitelist wl =
                  client.resources(SignerWhitelist.class).inNamespace(ns).withName("edge").get();
              assertNotNull(wl.getStatus(), "status not written yet");
              assertNotNull(wl.getStatus().getLastDenial(), "latest denial not written yet");
              assertTrue(wl.getStatus().getLastDenial().getMessage().contains(malloryId));
              assertEquals(2, wl.getStatus().getUsableSigners());
            });
    assertEquals(2.0, metrics.whitelistDecisions.labelValues(ns, "edge", "allowed").get());
    assertEquals(1.0, metrics.whitelistDecisions.labelValues(ns, "edge", "denied").get());

    // The reconciler's next status write (new generation) leaves the latest denial in place.
    client
        .resources(SignerWhitelist.class)
        .inNamespace(ns)
        .withName("edge")
        .edit(
            w -> {
              w.getSpec().setImages(List.of(registry.hostPort() + "/edge/*"));
              return w;
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              SignerWhitelist wl =
                  client.resources(SignerWhitelist.class).inNamespace(ns).withName("edge").get();
              assertEquals(
                  wl.getMetadata().getGeneration(), wl.getStatus().getObservedGeneration());
              assertNotNull(wl.getStatus().getLastDenial(), "latest denial was dropped");
              assertTrue(wl.getStatus().getLastDenial().getMessage().contains(malloryId));
            });
  }

  @Test
  void aThresholdCountsDistinctSignersWhateverFormatEachSignedIn() throws Exception {
    // alice signs with Docker Content Trust (notary), carol with cosign: two of two formats.
    TestImages.Pushed both = registry.pushTestImage("edge/app", "both", "alice and carol");
    publisher.addHash(gun, "both", both.manifest().length, both.digest(), "targets/releases");
    publisher.publish(gun);
    carol.sign(both);
    String ns = namespace();
    SignerWhitelist wl = whitelist(ns, "edge", "Enforce", notary.url());
    wl.getSpec().setImages(List.of(registry.hostPort() + "/edge/*"));
    SignerPolicySpec twoOfTwo = new SignerPolicySpec();
    twoOfTwo.setRule("Threshold");
    twoOfTwo.setThreshold(2);
    wl.getSpec().setPolicy(twoOfTwo);
    install(wl);

    assertNotNull(client.resource(pod(ns, both.tagReference())).create());
    // legit carries alice's notary signature only.
    String message = denial(ns, legit.tagReference());
    assertTrue(
        message.contains("signed by 1 distinct whitelisted key(s), policy requires 2"), message);
  }

  @Test
  void everySpellingOfTheRegistryGetsTheSameVerdict() {
    // The registry listens on 127.0.0.1; each spelling reaches it, and each must be governed by
    // the whitelist (written with 127.0.0.1) and verified exactly as the canonical one.
    String ns = namespace();
    install(whitelist(ns, "edge", "Enforce", notary.url()));
    assertTrue(registry.hostPort().startsWith("127.0.0.1:"), registry.hostPort());
    int port = registry.port();
    List<String> spellings =
        List.of(
            "localhost:" + port,
            "LocalHost.:" + port,
            "127.1:" + port,
            "2130706433:0" + port,
            "0x7F.0.0.1:" + port,
            "[::ffff:127.0.0.1]:" + port,
            "[0:0:0:0:0:FFFF:7F00:1]:" + port);
    for (String host : spellings) {
      String legitImage = legit.tagReference().replace(registry.hostPort(), host);
      assertNotNull(client.resource(pod(ns, legitImage)).create(), legitImage);
      String unsignedImage = unsigned.tagReference().replace(registry.hostPort(), host);
      String message = denial(ns, unsignedImage);
      assertTrue(message.contains("no signature by a whitelisted key"), host + ": " + message);
      String maliciousImage = malicious.tagReference().replace(registry.hostPort(), host);
      message = denial(ns, maliciousImage);
      assertTrue(message.contains(malloryId + " is not permitted key ID"), host + ": " + message);
    }
  }

  @Test
  void deniesImagesNoWhitelistGovernsButNotTheOperatorsAgent() {
    String ns = namespace();
    // No whitelist in the namespace at all: every image is ungoverned.
    String message = denial(ns, legit.tagReference());
    assertTrue(
        message.contains(
            "image "
                + legit.tagReference()
                + ": no SignerWhitelist in namespace "
                + ns
                + " or ClusterSignerWhitelist governs it; images no policy governs are denied"),
        message);
    install(whitelist(ns, "edge", "Enforce", notary.url()));
    assertNotNull(client.resource(pod(ns, legit.tagReference())).create());
    String outside = registry.hostPort() + "/elsewhere/app:v1";
    assertTrue(denial(ns, outside).contains("image " + outside + ": no SignerWhitelist"));
    // The agent image the operator injects (keychain.agent.image of the test profile).
    assertNotNull(client.resource(pod(ns, "keychain-agent:test")).create());
  }

  @Test
  void deniesUnsignedImageAndTagMovedToUnsignedContent() {
    String ns = namespace();
    install(whitelist(ns, "edge", "Enforce", notary.url()));
    assertTrue(denial(ns, unsigned.tagReference()).contains("no signature by a whitelisted key"));

    TestImages.Pushed moved = registry.pushTestImage("edge/app", "moving", "before");
    publisher.addHash(
        registry.hostPort() + "/edge/app",
        "moving",
        moved.manifest().length,
        moved.digest(),
        "targets/releases");
    publisher.publish(registry.hostPort() + "/edge/app");
    assertNotNull(client.resource(pod(ns, moved.tagReference())).create());
    registry.pushTestImage("edge/app", "moving", "after: unsigned content under the signed tag");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              String m = denial(ns, moved.tagReference());
              assertTrue(m.contains("tag moving now points to an unsigned digest"), m);
              assertTrue(
                  m.contains("notary role targets/releases signs 'moving' as " + moved.digest()),
                  m);
            });
  }

  @Test
  void admitsImageSignedWithTheCosignCliAndDeniesItsUnsignedSibling() {
    String ns = namespace();
    install(whitelist(ns, "edge", "Enforce", notary.url()));
    assertNotNull(client.resource(pod(ns, cosigned.tagReference())).create());
    TestImages.Pushed sibling = registry.pushTestImage("cosign/app", "v2", "not signed");
    String m = denial(ns, sibling.tagReference());
    assertTrue(m.contains("no cosign signatures"), m);
  }

  @Test
  void deniesDeploymentWithUnsignedImageBeforeAnyPodExists() {
    String ns = namespace();
    install(whitelist(ns, "edge", "Enforce", notary.url()));
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("web")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .addToMatchLabels("app", "web")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", "web")
            .endMetadata()
            .withNewSpec()
            .addNewInitContainer()
            .withName("init")
            .withImage(legit.tagReference())
            .endInitContainer()
            .addNewContainer()
            .withName("app")
            .withImage(unsigned.tagReference())
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    KubernetesClientException e =
        assertThrows(KubernetesClientException.class, () -> client.resource(d).create());
    assertEquals(403, e.getCode());
    assertTrue(
        e.getStatus().getMessage().contains("image " + unsigned.tagReference()),
        e.getStatus().getMessage());
    assertNull(client.apps().deployments().inNamespace(ns).withName("web").get());
    assertTrue(client.pods().inNamespace(ns).list().getItems().isEmpty());
  }

  @Test
  void failsClosedWhenNotaryIsUnreachable() {
    String ns = namespace();
    install(whitelist(ns, "edge", "Enforce", "https://127.0.0.1:1"));
    String m = denial(ns, legit.tagReference());
    assertTrue(m.contains("notary server 127.0.0.1:1 unreachable"), m);
  }

  @Test
  void auditModeAdmitsWithAWarningAndAnAuditRecord() throws Exception {
    String ns = namespace();
    Fixtures.createAuditLog(client, ns, "audit");
    install(whitelist(ns, "edge", "Audit", notary.url()));
    Pod created = client.resource(pod(ns, unsigned.tagReference())).create();
    assertNotNull(created);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              List<String> records = Fixtures.auditRecords(ns, "audit");
              assertTrue(
                  records.stream()
                      .anyMatch(
                          r ->
                              r.contains("\"type\":\"AdmissionAllowed\"")
                                  && r.contains("AuditModeViolation")
                                  && r.contains(unsigned.digest())),
                  records.toString());
            });
  }

  @Test
  void reportsSignerWhosePublicKeyDoesNotMatchItsKeyId() {
    String ns = namespace();
    SignerWhitelist wl = whitelist(ns, "edge", "Enforce", notary.url());
    wl.getSpec().getSigners().get(1).setKeyId(aliceId); // carol's PEM under alice's key ID
    client.resource(wl).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              SignerWhitelist got =
                  client.resources(SignerWhitelist.class).inNamespace(ns).withName("edge").get();
              assertNotNull(got.getStatus());
              var c =
                  got.getStatus().getConditions().stream()
                      .filter(x -> x.getType().equals("SignersValid"))
                      .findFirst()
                      .orElseThrow();
              assertEquals("False", c.getStatus());
              assertTrue(
                  c.getMessage()
                      .startsWith(
                          "signer carol: key ID " + aliceId + " does not name its public key"),
                  c.getMessage());
              assertEquals(1, got.getStatus().getUsableSigners());
            });
  }

  @Test
  void apiServerRejectsMalformedKeyIdAndPem() {
    String ns = namespace();
    SignerWhitelist wl = whitelist(ns, "bad", "Enforce", notary.url());
    wl.getSpec().getSigners().get(0).setKeyId("ABCDEF");
    wl.getSpec().getSigners().get(1).setPublicKey("ssh-ed25519 AAAA");
    KubernetesClientException e =
        assertThrows(KubernetesClientException.class, () -> client.resource(wl).create());
    assertEquals(422, e.getCode());
    String m = e.getMessage();
    assertTrue(m.contains("spec.signers[0].keyId"), m);
    assertTrue(m.contains("publicKey must be a PEM PUBLIC KEY or CERTIFICATE block"), m);
  }

  @Test
  void answersMalformedAdmissionReviewWithAnErrorNamingTheField() throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(TrustBundles.trusting(LocalControlPlaneResource.webhookCaPem()))
            .build();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(LocalControlPlaneResource.webhookUrl("/admission/images")))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"kind\":{\"kind\":\"Pod\"},\"operation\":\"CREATE\"}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode());
    assertEquals("AdmissionReview.request.uid is missing", r.body());
  }
}
