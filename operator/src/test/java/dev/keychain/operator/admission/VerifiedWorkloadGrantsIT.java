package dev.keychain.operator.admission;

import static dev.keychain.operator.testing.Fixtures.createTenantShare;
import static dev.keychain.operator.testing.Fixtures.isReady;
import static dev.keychain.operator.testing.Fixtures.keyChain;
import static dev.keychain.operator.testing.Fixtures.secureInstance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.auth.AgentApi;
import dev.keychain.core.auth.AgentHandshake;
import dev.keychain.core.auth.Messages;
import dev.keychain.core.auth.Wire;
import dev.keychain.operator.api.v1alpha1.RunningPodsSpec;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import dev.keychain.operator.instance.InstanceIndex;
import dev.keychain.operator.testing.InjectedAgents;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.operator.testing.Webhooks;
import dev.keychain.testing.fixtures.AgentProcess;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keys only for verified workloads, on the real API server: an instance that names a whitelist
 * grants its sub key to an agent only when every image of the agent's pod is verified by it, judged
 * by the digest the pod's status reports (else the digest its spec pins), never a tag.
 */
@QuarkusTest
@QuarkusTestResource(LocalControlPlaneResource.class)
class VerifiedWorkloadGrantsIT {
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static AdmissionFixtures fixtures;
  static Path dir;
  static OciRegistry registry;
  static CosignSigner carol;
  static TestImages.Pushed signed;
  static TestImages.Pushed unsigned;

  @Inject KubernetesClient client;
  @Inject InstanceIndex instances;

  @BeforeAll
  static void start() throws Exception {
    fixtures = AdmissionFixtures.start("verified-workloads");
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

  /** A namespace with a chain, the whitelist "apps" and instance "web" naming it. */
  private String namespace() {
    return namespace(true, null);
  }

  /**
   * A namespace with a chain, the whitelist "apps" (runningPods action {@code action}, null: the
   * default) and instance "web", naming it if {@code named}.
   */
  private String namespace(boolean named, String action) {
    Webhooks.registerInjection(client);
    String ns = LocalControlPlaneResource.newNamespace("verified");
    LocalControlPlaneResource.plane().awaitServiceAccount(ns, "default");
    Webhooks.enableInjection(client, ns);
    SignerWhitelist wl = new SignerWhitelist();
    wl.getMetadata().setName("apps");
    wl.getMetadata().setNamespace(ns);
    wl.setSpec(carol.whitelist(new SignerWhitelistSpec(), registry.hostPort() + "/apps/*"));
    if (action != null) {
      RunningPodsSpec runningPods = new RunningPodsSpec();
      runningPods.setAction(action);
      wl.getSpec().setRunningPods(runningPods);
    }
    TestWhitelists.createReady(client, wl);
    createTenantShare(client, ns, "tenant-share");
    client.resource(keyChain(ns, "tenant", "tenant-share", "edge")).create();
    SecureInstance si = secureInstance(ns, "web", "tenant", "edge", "web");
    if (named) {
      si.getSpec().setSignerWhitelist("apps");
    }
    client.resource(si).create();
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              SecureInstance got =
                  client.resources(SecureInstance.class).inNamespace(ns).withName("web").get();
              return got != null
                  && got.getStatus() != null
                  && isReady(got.getStatus().getConditions());
            });
    await().atMost(TIMEOUT).until(() -> !instances.selecting(ns, Map.of("app", "web")).isEmpty());
    return ns;
  }

  private Pod pod(String ns, String name, String image) {
    return client.resource(TestPods.pod(ns, name, Map.of("app", "web"), image)).create();
  }

  /** Reports, as a kubelet would, that container "app" runs {@code imageId}. */
  private void reportRunning(Pod pod, String image, String imageId) {
    // the reconciler annotates pods meanwhile: retry on a conflict
    await()
        .atMost(TIMEOUT)
        .ignoreExceptionsMatching(
            e ->
                e instanceof io.fabric8.kubernetes.client.KubernetesClientException k
                    && k.getCode() == 409)
        .until(
            () -> {
              updateStatus(pod, image, imageId);
              return true;
            });
  }

  private void updateStatus(Pod pod, String image, String imageId) {
    Pod current = client.pods().resource(pod).get();
    current
        .getStatus()
        .setContainerStatuses(
            java.util.List.of(
                new ContainerStatusBuilder()
                    .withName("app")
                    .withImage(image)
                    .withImageID(imageId)
                    .withReady(true)
                    .withRestartCount(0)
                    .withNewState()
                    .withNewRunning()
                    .endRunning()
                    .endState()
                    .build()));
    client.pods().resource(current).updateStatus();
  }

  /** The handshake of the pod's agent: the grant (200) or the refusal's reason and message. */
  private String[] handshake(String ns, Pod pod) throws Exception {
    String token =
        LocalControlPlaneResource.plane().boundToken(ns, "default", pod, "keychain.dev/agent", 600);
    AgentHandshake handshake = InjectedAgents.handshake(token);
    HttpResponse<String> hello = post(AgentApi.HELLO, Wire.toJson(handshake.start()));
    assertEquals(200, hello.statusCode(), hello.body());
    HttpResponse<String> confirm =
        post(
            AgentApi.CONFIRM,
            Wire.toJson(
                handshake.onMasterHello(Wire.parse(hello.body(), Messages.MasterHello.class))));
    if (confirm.statusCode() == 200) {
      handshake.onGrant(Wire.parse(confirm.body(), Messages.KeyGrant.class)).key().destroy();
      return new String[] {"GRANTED", ""};
    }
    Messages.Refusal r = Wire.parse(confirm.body(), Messages.Refusal.class);
    return new String[] {r.reason(), confirm.body()};
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return InjectedAgents.post(path, body);
  }

  @Test
  void grantsOnlyToPodsRunningVerifiedDigests() throws Exception {
    String ns = namespace();
    Pod good = pod(ns, "web-signed", signed.tagReference() + "@" + signed.digest());
    assertEquals("GRANTED", handshake(ns, good)[0]);

    Pod bad = pod(ns, "web-unsigned", unsigned.tagReference() + "@" + unsigned.digest());
    String[] refused = handshake(ns, bad);
    assertEquals("IMAGES_NOT_VERIFIED", refused[0], refused[1]);
    assertTrue(
        refused[1].contains("pod web-unsigned of SecureInstance web runs an image not verified"),
        refused[1]);
    assertTrue(refused[1].contains("no signature by a whitelisted key"), refused[1]);

    // the instance's status says which pod is not verified and why, and an event tells users
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              SecureInstance si =
                  client.resources(SecureInstance.class).inNamespace(ns).withName("web").get();
              var agents = si.getStatus().getAgents();
              return agents.stream()
                      .anyMatch(
                          a ->
                              a.getPod().equals("web-unsigned")
                                  && "NotVerified".equals(a.getImages())
                                  && Boolean.TRUE.equals(a.getRestricted())
                                  && a.getKeyId() == null
                                  && a.getImagesMessage()
                                      .contains("no signature by a whitelisted key"))
                  && agents.stream()
                      .anyMatch(
                          a -> a.getPod().equals("web-signed") && "Verified".equals(a.getImages()));
            });
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.v1().events().inNamespace(ns).list().getItems().stream()
                    .anyMatch(
                        e ->
                            "ImagesNotVerified".equals(e.getReason())
                                && e.getMessage().contains("container app runs")));
  }

  @Test
  void theDigestTheNodeReportsOutweighsTheSpec() throws Exception {
    String ns = namespace();
    // the spec pins the signed digest, but the node reports running the unsigned one
    Pod pod = pod(ns, "web-moved", signed.tagReference() + "@" + signed.digest());
    reportRunning(
        pod, signed.tagReference(), registry.hostPort() + "/apps/web@" + unsigned.digest());
    String[] refused = handshake(ns, pod);
    assertEquals("IMAGES_NOT_VERIFIED", refused[0], refused[1]);
    assertTrue(refused[1].contains("@" + unsigned.digest()), refused[1]);

    // a tag alone says nothing until the node reports what it runs
    Pod tagged = pod(ns, "web-tagged", signed.tagReference());
    String[] waiting = handshake(ns, tagged);
    assertEquals("IMAGES_NOT_VERIFIED", waiting[0], waiting[1]);
    assertTrue(
        waiting[1].contains("waiting for the node to report the image digests of app"), waiting[1]);
    reportRunning(
        tagged, signed.tagReference(), registry.hostPort() + "/apps/web@" + signed.digest());
    assertEquals("GRANTED", handshake(ns, tagged)[0]);
  }

  @Test
  void anImageTheWhitelistDoesNotGovernGetsNoKey() throws Exception {
    String ns = namespace();
    TestImages.Pushed other = registry.pushTestImage("other/tool", "v1", "other tool");
    carol.sign(other);
    Pod pod = pod(ns, "web-other", other.tagReference() + "@" + other.digest());
    String[] refused = handshake(ns, pod);
    assertEquals("IMAGES_NOT_VERIFIED", refused[0], refused[1]);
    assertTrue(
        refused[1].contains("which SignerWhitelist " + ns + "/apps does not govern"), refused[1]);
  }

  @Test
  void theInitAgentOfAnUnverifiedPodEndsWithoutAKeySoThePodRuns() throws Exception {
    String ns = namespace();
    Pod pod = pod(ns, "web-keyless", unsigned.tagReference());
    String token =
        LocalControlPlaneResource.plane().boundToken(ns, "default", pod, "keychain.dev/agent", 600);
    Map<String, String> env =
        InjectedAgents.environment(pod, token, Path.of("target", "verified-it"), "keyless");
    try (AgentProcess init =
        AgentProcess.start("enrol", env, Path.of("target", "verified-it", ns + "-enrol.log"))) {
      assertEquals(0, init.awaitExit(TIMEOUT), init.log());
      assertTrue(init.log().contains("starting without a key: "), init.log());
    }
    assertTrue(InjectedAgents.heldKey(env).isEmpty());
  }

  @Test
  void removingTheSignerRestrictsTheRunningAgentAndRestoringItRestoresTheKey() throws Exception {
    String ns = namespace();
    Pod pod = pod(ns, "web-running", signed.tagReference() + "@" + signed.digest());
    String token =
        LocalControlPlaneResource.plane().boundToken(ns, "default", pod, "keychain.dev/agent", 600);
    Map<String, String> env =
        InjectedAgents.environment(pod, token, Path.of("target", "verified-it"), "running");
    try (AgentProcess sidecar =
        AgentProcess.start("run", env, Path.of("target", "verified-it", ns + "-run.log"))) {
      await().atMost(TIMEOUT).until(() -> InjectedAgents.heldKey(env).isPresent());

      // carol is no longer trusted: the agent's next watch (10 s here) finds the pod unverified
      CosignSigner dana = CosignSigner.create(dir, "dana-" + ns);
      setSigners(ns, dana);
      await().atMost(TIMEOUT).until(() -> InjectedAgents.heldKey(env).isEmpty());
      assertTrue(sidecar.log().contains("key wiped: images not verified: "), sidecar.log());

      setSigners(ns, carol);
      await().atMost(TIMEOUT).until(() -> InjectedAgents.heldKey(env).isPresent());
    }
  }

  @Test
  void aWhitelistThatRestrictsRunningPodsRefusesKeysToThoseItNoLongerVerifies() throws Exception {
    // the instance names no whitelist: the whitelist's own runningPods action decides
    String ns = namespace(false, "Restrict");
    Pod pod = pod(ns, "web-restricted", signed.tagReference() + "@" + signed.digest());
    assertEquals("GRANTED", handshake(ns, pod)[0]);
    // a pod of an image the whitelist does not govern is not its business
    TestImages.Pushed other = registry.pushTestImage("other/tool", "v2", "other tool 2");
    Pod tool = pod(ns, "web-tool", other.tagReference() + "@" + other.digest());
    assertEquals("GRANTED", handshake(ns, tool)[0]);

    setSigners(ns, CosignSigner.create(dir, "fay-" + ns));
    String[] refused =
        await().atMost(TIMEOUT).until(() -> handshake(ns, pod), r -> !r[0].equals("GRANTED"));
    assertEquals("IMAGES_NOT_VERIFIED", refused[0], refused[1]);
    assertTrue(
        refused[1].contains("a whitelist restricting running pods no longer verifies"), refused[1]);
    assertEquals("GRANTED", handshake(ns, tool)[0]);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client
                    .resources(SecureInstance.class)
                    .inNamespace(ns)
                    .withName("web")
                    .get()
                    .getStatus()
                    .getAgents()
                    .stream()
                    .anyMatch(
                        a ->
                            a.getPod().equals("web-restricted")
                                && "NotVerified".equals(a.getImages())
                                && Boolean.TRUE.equals(a.getRestricted())));

    setSigners(ns, carol);
    await().atMost(TIMEOUT).until(() -> handshake(ns, pod)[0].equals("GRANTED"));
  }

  private void setSigners(String ns, CosignSigner signer) {
    client
        .resources(SignerWhitelist.class)
        .inNamespace(ns)
        .withName("apps")
        .edit(
            w -> {
              w.getSpec().setSigners(java.util.List.of(signer.signer()));
              return w;
            });
  }
}
