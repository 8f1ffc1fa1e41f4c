package dev.keychain.operator.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.operator.api.v1alpha1.NonCompliantPodStatus;
import dev.keychain.operator.api.v1alpha1.RunningPodsSpec;
import dev.keychain.operator.api.v1alpha1.RunningPodsStatus;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Re-verification of running pods on the real API server: the pods a whitelist governs are verified
 * again when it changes, and those it no longer verifies are listed in its status, counted, shown
 * in events and, by its runningPods action, evicted. The pods here were created without the image
 * webhook (as if admitted before the whitelist existed), each pinned by digest.
 */
@QuarkusTest
@QuarkusTestResource(LocalControlPlaneResource.class)
class RunningPodReverificationIT {
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static AdmissionFixtures fixtures;
  static Path dir;
  static OciRegistry registry;
  static CosignSigner carol;
  static TestImages.Pushed signed;
  static TestImages.Pushed unsigned;

  @Inject KubernetesClient client;
  @Inject OperatorMetrics metrics;

  @BeforeAll
  static void start() throws Exception {
    fixtures = AdmissionFixtures.start("running-pods");
    dir = fixtures.dir();
    registry = fixtures.registry();
    carol = fixtures.signer();
    signed = fixtures.signed();
    unsigned = fixtures.unsigned();
  }

  @AfterAll
  static void stop() {
    fixtures.close();
  }

  /**
   * A namespace with a signed and an unsigned pod, and the whitelist "apps" doing {@code action}.
   */
  private String namespace(String action) {
    String ns = LocalControlPlaneResource.newNamespace("running-pods");
    LocalControlPlaneResource.plane().awaitServiceAccount(ns, "default");
    pod(ns, "web-signed", signed);
    pod(ns, "web-unsigned", unsigned);
    // a pod of an image the whitelist does not govern is none of its business
    TestImages.Pushed tool = registry.pushTestImage("other/tool", "v1", "other tool");
    pod(ns, "tool", tool);
    TestWhitelists.createReady(client, whitelist(ns, "apps", "Enforce", action, "5m"));
    return ns;
  }

  /** Whitelist {@code name} of carol for apps/*, in {@code mode}, with runningPods as given. */
  private static SignerWhitelist whitelist(
      String ns, String name, String mode, String action, String interval) {
    SignerWhitelist wl = new SignerWhitelist();
    wl.getMetadata().setName(name);
    wl.getMetadata().setNamespace(ns);
    wl.setSpec(carol.whitelist(new SignerWhitelistSpec(), registry.hostPort() + "/apps/*"));
    wl.getSpec().setMode(mode);
    RunningPodsSpec runningPods = new RunningPodsSpec();
    runningPods.setAction(action);
    runningPods.setInterval(interval);
    wl.getSpec().setRunningPods(runningPods);
    return wl;
  }

  private void pod(String ns, String name, TestImages.Pushed image) {
    client
        .resource(
            TestPods.pod(
                ns, name, Map.of("app", "web"), image.tagReference() + "@" + image.digest()))
        .create();
  }

  /** The whitelist's running-pods status once it satisfies {@code done}. */
  private RunningPodsStatus runningPods(
      String ns, java.util.function.Predicate<RunningPodsStatus> done) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              SignerWhitelist got =
                  client.resources(SignerWhitelist.class).inNamespace(ns).withName("apps").get();
              return got.getStatus() == null ? null : got.getStatus().getRunningPods();
            },
            s -> s != null && done.test(s));
  }

  private boolean podEvent(String ns, String pod, String reason) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .anyMatch(
            e ->
                e.getInvolvedObject().getName().equals(pod)
                    && reason.equals(e.getReason())
                    && e.getMessage().contains("no longer verifies"));
  }

  private void setSigners(String ns, CosignSigner signer) {
    client
        .resources(SignerWhitelist.class)
        .inNamespace(ns)
        .withName("apps")
        .edit(
            w -> {
              w.getSpec().setSigners(List.of(signer.signer()));
              return w;
            });
  }

  @Test
  void listsTheRunningPodsItDoesNotVerifyAndCountsThem() throws Exception {
    String ns = namespace("Report");
    RunningPodsStatus s = runningPods(ns, r -> r.getNonCompliant() != null);
    assertEquals(2, s.getGoverned(), "the tool pod is not governed: " + s.getGoverned());
    assertEquals(1, s.getNonCompliant());
    assertEquals("Report", s.getAction());
    NonCompliantPodStatus p = s.getPods().get(0);
    assertEquals("web-unsigned", p.getName());
    assertEquals("Reported", p.getAction());
    assertTrue(p.getMessage().contains("no signature by a whitelisted key"), p.getMessage());
    assertNotNull(s.getVerifiedAt());
    await().atMost(TIMEOUT).until(() -> podEvent(ns, "web-unsigned", "Reported"));
    assertEquals(1.0, metrics.whitelistRunningPods.labelValues(ns, "apps", "non_compliant").get());
    assertEquals(1.0, metrics.whitelistRunningPods.labelValues(ns, "apps", "compliant").get());

    // carol is replaced: the change is verified at once (the interval is 5 minutes)
    setSigners(ns, CosignSigner.create(dir, "dana-" + ns));
    RunningPodsStatus after = runningPods(ns, r -> r.getNonCompliant() == 2);
    assertEquals(
        List.of("web-signed", "web-unsigned"),
        after.getPods().stream().map(NonCompliantPodStatus::getName).sorted().toList());
    // reporting changes nothing: both pods still run
    assertNotNull(client.pods().inNamespace(ns).withName("web-signed").get());

    // the status is a projection: lost, it is rebuilt
    SignerWhitelist current =
        client.resources(SignerWhitelist.class).inNamespace(ns).withName("apps").get();
    current.getStatus().setRunningPods(null);
    client.resource(current).updateStatus();
    runningPods(ns, r -> r.getNonCompliant() == 2);
  }

  @Test
  void evictsTheRunningPodsItNoLongerVerifies() throws Exception {
    String ns = namespace("Evict");
    await()
        .atMost(TIMEOUT)
        .until(() -> client.pods().inNamespace(ns).withName("web-unsigned").get() == null);
    await().atMost(TIMEOUT).until(() -> podEvent(ns, "web-unsigned", "Evicted"));
    assertNotNull(client.pods().inNamespace(ns).withName("web-signed").get());
    assertNotNull(client.pods().inNamespace(ns).withName("tool").get());

    setSigners(ns, CosignSigner.create(dir, "erin-" + ns));
    await()
        .atMost(TIMEOUT)
        .until(() -> client.pods().inNamespace(ns).withName("web-signed").get() == null);
    assertNotNull(client.pods().inNamespace(ns).withName("tool").get());
    assertTrue(metrics.whitelistRunningPodActions.labelValues(ns, "apps", "Evicted").get() >= 2.0);
  }

  @Test
  void auditModeOnlyReportsWhateverTheActionSays() throws Exception {
    String ns = LocalControlPlaneResource.newNamespace("running-pods-audit");
    LocalControlPlaneResource.plane().awaitServiceAccount(ns, "default");
    pod(ns, "web-unsigned", unsigned);
    TestWhitelists.createReady(client, whitelist(ns, "apps", "Audit", "Evict", "5m"));
    RunningPodsStatus s = runningPods(ns, r -> r.getNonCompliant() != null);
    assertEquals("Report", s.getAction());
    assertEquals(1, s.getNonCompliant());
    assertEquals("Reported", s.getPods().get(0).getAction());
    assertNotNull(client.pods().inNamespace(ns).withName("web-unsigned").get());
  }

  @Test
  void anEphemeralContainerRunningAnUnverifiedImageMakesItsPodNonCompliant() throws Exception {
    String ns = LocalControlPlaneResource.newNamespace("running-pods-debug");
    LocalControlPlaneResource.plane().awaitServiceAccount(ns, "default");
    pod(ns, "web-signed", signed);
    TestWhitelists.createReady(client, whitelist(ns, "apps", "Enforce", "Report", "30s"));
    runningPods(ns, r -> Integer.valueOf(0).equals(r.getNonCompliant()));

    // a debug container of the unsigned image, added after admission: the next period finds it
    client
        .pods()
        .inNamespace(ns)
        .withName("web-signed")
        .ephemeralContainers()
        .edit(
            p ->
                new io.fabric8.kubernetes.api.model.PodBuilder(p)
                    .editSpec()
                    .addNewEphemeralContainer()
                    .withName("debug")
                    .withImage(unsigned.tagReference() + "@" + unsigned.digest())
                    .endEphemeralContainer()
                    .endSpec()
                    .build());
    RunningPodsStatus s =
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () ->
                    client
                        .resources(SignerWhitelist.class)
                        .inNamespace(ns)
                        .withName("apps")
                        .get()
                        .getStatus()
                        .getRunningPods(),
                r -> r != null && Integer.valueOf(1).equals(r.getNonCompliant()));
    assertTrue(s.getPods().get(0).getMessage().contains("container debug runs"), s.toString());
  }

  @Test
  void refusesAnIntervalThatIsNotADuration() {
    SignerWhitelist wl =
        whitelist(
            LocalControlPlaneResource.newNamespace("running-pods-bad"),
            "bad-interval",
            "Enforce",
            "Report",
            "soon");
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.fabric8.kubernetes.client.KubernetesClientException.class,
            () -> client.resource(wl).create());
    assertTrue(e.getMessage().contains("spec.runningPods.interval"), e.getMessage());
  }
}
