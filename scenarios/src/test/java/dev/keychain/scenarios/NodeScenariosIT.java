package dev.keychain.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keychain.core.audit.AdmissionReceipt;
import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.controlplane.LocalNode;
import dev.keychain.testing.fixtures.ContentTrustScenario;
import dev.keychain.testing.fixtures.Cosign;
import dev.keychain.testing.fixtures.ImageLayouts;
import dev.keychain.testing.fixtures.NotaryServer;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import dev.keychain.testing.fixtures.TestPki;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator on a real node, installed with {@code helm install} as users install it: the kubelet
 * runs the injected agents, the app containers read their keys from the memory volume, the
 * lifecycle acts on running pods, a replica takes over from a deleted leader, images are admitted
 * by who signed them (registry, notary and cosign on the node's address), and an operator that is
 * down refuses new pods while running ones keep their keys until those expire, and a KeyShare
 * brings one item to Deployments in two namespaces and takes it from a removed recipient.
 *
 * <p>Needs a machine where {@code kind-test/local/node.sh check} passes (root, cgroups, port 10250
 * free); elsewhere it is skipped with the one-line reason (CI refuses to skip it).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeScenariosIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final String API = KeychainObjects.API;

  /** Short key lifetimes, so that "keys serve until they expire" is seen within the suite. */
  private static final Duration KEY_LIFETIME = Duration.ofSeconds(90);

  private static final String APPS = "node-apps";
  private static final String KEY_DIR = "/var/run/keychain";

  static Path work;
  static LocalControlPlane plane;
  static LocalNode node;
  static KubernetesClient client;
  static PodExec exec;
  static NodeInstall install;
  static OciRegistry registry;
  static NotaryServer notary;
  static ContentTrustScenario dct;

  @BeforeAll
  static void start() throws IOException {
    Optional<String> unavailable = LocalNode.unavailableReason();
    assumeTrue(unavailable.isEmpty(), () -> unavailable.get());
    work = Files.createTempDirectory("node-scenarios-");
    plane = LocalControlPlane.start(LocalControlPlane.Options.withNode());
    node = plane.node().orElseThrow();
    client = plane.client();
    exec = new PodExec(client, Duration.ofSeconds(20));
    OperatorProcess.installCrds(plane);
    // Where the operator's pods reach them: on the node's address, not loopback.
    registry = OciRegistry.start(work.resolve("registry"), node.address());
    notary = NotaryServer.start(work.resolve("notary"), node.address());
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {registry, notary, plane}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        System.err.println("[node-scenarios] closing " + c + ": " + e);
      }
    }
  }

  @Test
  @Order(1)
  void chartInstallsTwoReplicasThatElectOneLeaderAndServeTheWebhooks() throws IOException {
    auditVolume();
    install =
        NodeInstall.install(
            plane,
            // The suite's example apps are built here, unsigned and under no whitelist: admitted
            // with a warning (deny, the default, is tested in ImageAdmissionIT). The audit logs go
            // to one volume both replicas mount, as the chart asks for with 2 replicas: whichever
            // leads after a failover continues the same logs.
            Map.of(
                "agent.keyLifetime",
                "PT" + KEY_LIFETIME.toSeconds() + "S",
                "webhooks.ungovernedImages",
                "warn",
                "audit.persistence.enabled",
                "true",
                "audit.persistence.accessMode",
                "ReadWriteMany",
                "audit.persistence.storageClassName",
                AUDIT_STORAGE_CLASS));
    List<Pod> pods = install.operatorPods();
    assertEquals(2, pods.size(), "replicas: " + pods);
    assertTrue(pods.stream().allMatch(NodeInstall::ready), "not all replicas Ready");
    assertTrue(
        pods.stream().allMatch(p -> p.getSpec().getNodeName().equals(LocalNode.NAME)),
        "replicas not on the node");
    String leader = Await.value("a replica to lead", TIMEOUT, install::leaderPod);
    assertTrue(pods.stream().anyMatch(p -> p.getMetadata().getName().equals(leader)));
    Await.until(
        "the operator to fill in both webhooks' caBundle",
        TIMEOUT,
        () ->
            client
                        .admissionRegistration()
                        .v1()
                        .mutatingWebhookConfigurations()
                        .withName("keychain-operator-injection")
                        .get()
                        .getWebhooks()
                        .get(0)
                        .getClientConfig()
                        .getCaBundle()
                    != null
                && client
                        .admissionRegistration()
                        .v1()
                        .validatingWebhookConfigurations()
                        .withName("keychain-operator-images")
                        .get()
                        .getWebhooks()
                        .get(0)
                        .getClientConfig()
                        .getCaBundle()
                    != null);
  }

  @Test
  @Order(2)
  void theUserScenarioSuitePassesWithAgentsRunByTheKubelet() throws IOException {
    Path app = node.imageLayout(NodeInstall.APP_IMAGE);
    Map<String, Path> layouts = new TreeMap<>();
    for (String tag : List.of("signed", "unsigned")) {
      layouts.put(tag, ImageLayouts.variant(app, "1", work.resolve("scenario-" + tag), tag, tag));
    }
    SignedImages images = SignedImages.publish(registry, work.resolve("cosign"), layouts);
    node.importImage(layouts.get("signed"), images.signedImage());
    node.importImage(layouts.get("unsigned"), images.unsignedImage());
    List<ScenarioSuite.Result> results =
        new ScenarioSuite(
                client,
                new PodAgents(client, TIMEOUT),
                new ScenarioSuite.Settings(
                    "node-scenarios",
                    NodeInstall.NAMESPACE,
                    "keychain.dev/injection",
                    "keychain.dev/image-admission",
                    NodeInstall.APP_IMAGE,
                    images,
                    TIMEOUT,
                    false))
            .run();
    results.forEach(r -> System.out.println("[node-scenarios] " + r));
    assertTrue(
        results.stream().allMatch(ScenarioSuite.Result::passed),
        results + "\n" + install.operatorLogs());
    // A signed pod is pinned at admission; the kubelet runs it by that digest. (The suite's own
    // "signed" pod is evicted by its evict scenario: this one is made after the whitelist is back.)
    Pod signed =
        Await.value(
            "a signed pod to be admitted once the suite has put its signer back",
            TIMEOUT,
            () -> {
              Pod existing =
                  client.pods().inNamespace("node-scenarios").withName("signed-pinned").get();
              // a create that reached the server while its answer was lost counts
              return Optional.of(
                  existing != null
                      ? existing
                      : client
                          .resource(appPod("node-scenarios", "signed-pinned", images.signedImage()))
                          .create());
            });
    String pinned = signed.getSpec().getContainers().get(0).getImage();
    assertTrue(pinned.contains("@sha256:"), "not pinned: " + pinned);
    String digest = pinned.substring(pinned.indexOf('@') + 1);
    String imageId =
        Await.value(
            "the kubelet to run the pinned signed pod",
            TIMEOUT,
            () ->
                Optional.ofNullable(
                        client.pods().inNamespace("node-scenarios").withName("signed-pinned").get())
                    .map(p -> p.getStatus().getContainerStatuses())
                    .filter(statuses -> !statuses.isEmpty())
                    .map(statuses -> statuses.get(0))
                    .filter(c -> c.getState() != null && c.getState().getRunning() != null)
                    .map(c -> c.getImageID()));
    assertTrue(imageId.endsWith(digest), "ran " + imageId + ", pinned " + digest);
    System.out.println("[node-scenarios] signed pod pinned to " + pinned + ", ran " + imageId);
  }

  @Test
  @Order(3)
  void everyReplicaOfADeploymentReadsItsOwnKeyFromTheMemoryVolume() {
    apply(
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: node-apps
          labels: {keychain.dev/injection: enabled}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: share, namespace: node-apps}
        stringData: {share: node-apps-tenant-share-32-bytes!}
        ---
        apiVersion: keychain.dev/v1alpha1
        kind: KeyChain
        metadata: {name: chain, namespace: node-apps}
        spec:
          tenantShareSecretRef: {name: share, key: share}
          groups: [{name: A}, {name: B}]
        ---
        apiVersion: keychain.dev/v1alpha1
        kind: SecureInstance
        metadata: {name: svc, namespace: node-apps}
        spec:
          keyChain: chain
          clusterGroup: A
          selector: {matchLabels: {app: svc}}
          state: Running
        """);
    awaitReady("KeyChain", "chain");
    awaitReady("SecureInstance", "svc");
    apply(
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: svc, namespace: node-apps}
        spec:
          replicas: 3
          selector: {matchLabels: {app: svc}}
          template:
            metadata: {labels: {app: svc}}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
                - name: app
                  image: %s
                  imagePullPolicy: Never
                  command: [sleep, "86400"]
        """
            .formatted(NodeInstall.APP_IMAGE));
    Map<String, JsonNode> keys = awaitKeys("every replica to hold a key", k -> true);
    assertEquals(3, keys.size(), "pods with keys: " + keys.keySet());
    Set<String> ids = new HashSet<>();
    keys.values().forEach(k -> ids.add(k.path("keyId").asText()));
    assertEquals(3, ids.size(), "keys are not distinct per pod: " + keys);
    for (Pod pod : svcPods()) {
      String name = pod.getMetadata().getName();
      assertEquals("true", pod.getMetadata().getAnnotations().get("keychain.dev/injected"));
      // The agent's handshake went to the operator's Service, by its cluster DNS name.
      String url =
          pod.getSpec().getInitContainers().stream()
              .filter(c -> c.getName().equals("keychain-agent"))
              .flatMap(c -> c.getEnv().stream())
              .filter(e -> e.getName().equals("KEYCHAIN_OPERATOR_URL"))
              .findFirst()
              .orElseThrow()
              .getValue();
      assertEquals("https://keychain-operator." + NodeInstall.NAMESPACE + ".svc:443", url);
      String size = exec.run(APPS, name, "app", "wc", "-c", KEY_DIR + "/key").orElseThrow();
      assertEquals("16", size.trim().split("\\s+")[0], "128-bit sub key expected in " + name);
      String keyId = keys.get(name).path("keyId").asText();
      Await.value(
          "status.agents of svc to show " + name + " with its key " + keyId,
          TIMEOUT,
          () -> agentStatus(name).filter(a -> keyId.equals(a.path("keyId").asText())));
    }
  }

  @Test
  @Order(4)
  void pausedEmptiesTheKeyFilesWithinSecondsAndRunningRestoresThem() {
    Instant paused = Instant.now();
    setState("Paused");
    awaitNoKeys("Paused to empty every pod's key files");
    System.out.println(
        "[node-scenarios] Paused emptied 3 pods' key files in "
            + Duration.between(paused, Instant.now()).toMillis()
            + " ms");
    setState("Running");
    Map<String, JsonNode> keys = awaitKeys("Running to restore every pod's key", k -> true);
    assertEquals(3, keys.size());
    assertNoAppRestarts();
  }

  @Test
  @Order(5)
  void restartBringsTheNewSubKeyEpochIntoTheRunningPodsFiles() {
    Map<String, JsonNode> before = awaitKeys("keys before the restart", k -> true);
    long epoch = before.values().iterator().next().path("agentEpoch").asLong();
    setState("Restart");
    Map<String, JsonNode> after =
        awaitKeys(
            "every pod to hold a key of sub-key epoch " + (epoch + 1),
            k -> k.path("agentEpoch").asLong() == epoch + 1);
    for (var e : after.entrySet()) {
      assertNotEquals(
          before.get(e.getKey()).path("keyId").asText(), e.getValue().path("keyId").asText());
    }
    awaitRotationDone(epoch + 1);
    // Restart is a request, carried out once per generation of the spec: back to Running, so
    // that a later spec change is not another restart and a later Restart is a change.
    setState("Running");
    assertNoAppRestarts();
  }

  @Test
  @Order(6)
  void movingToAnotherGroupReKeysTheRunningPods() {
    Map<String, JsonNode> before = awaitKeys("keys in group A", k -> true);
    patchSpec("SecureInstance", "svc", "{\"clusterGroup\":\"B\"}");
    Map<String, JsonNode> after =
        awaitKeys("every pod to hold a key of group B", k -> "B".equals(k.path("group").asText()));
    for (var e : after.entrySet()) {
      assertNotEquals(
          before.get(e.getKey()).path("keyId").asText(), e.getValue().path("keyId").asText());
    }
    assertNoAppRestarts();
  }

  @Test
  @Order(7)
  void theOtherReplicaTakesOverWhenTheLeaderPodIsDeletedDuringARotation() {
    Map<String, JsonNode> before = awaitKeys("keys before the rotation", k -> true);
    long epoch = before.values().iterator().next().path("agentEpoch").asLong();
    String leader = Await.value("a leader", TIMEOUT, install::leaderPod);
    setState("Restart");
    client.pods().inNamespace(NodeInstall.NAMESPACE).withName(leader).delete();
    String next =
        Await.value(
            "another replica to take the lease from " + leader,
            TIMEOUT,
            () -> install.leaderPod().filter(p -> !p.equals(leader)));
    System.out.println("[node-scenarios] leader " + leader + " deleted; " + next + " took over");
    awaitKeys(
        "every pod to converge on sub-key epoch " + (epoch + 1) + " under the new leader",
        k -> k.path("agentEpoch").asLong() == epoch + 1);
    awaitRotationDone(epoch + 1);
    setState("Running");
    install.scale(2);
    assertNoAppRestarts();
  }

  @Test
  @Order(8)
  void imagesRunWhenAWhitelistedKeySignedThemAndAreDeniedNamingAnyOtherSigner() throws IOException {
    Path app = node.imageLayout(NodeInstall.APP_IMAGE);
    Map<String, Path> layouts = new ConcurrentHashMap<>();
    // Docker Content Trust (notary): alice signs 1.0.0 through targets/releases; mallory, who
    // got a delegation of his own on the server, signs "evil".
    dct =
        ContentTrustScenario.publishRunnable(
            registry, notary, work.resolve("dct"), "evil", app, "1", layouts);
    // cosign: carol signs "carol", dave (listed nowhere) signs "dave".
    Cosign cosign = Cosign.locate(work.resolve("cosign-signers"));
    Map<String, Path> cosignKeys = new TreeMap<>();
    for (String signer : List.of("carol", "dave")) {
      Path pem = work.resolve(signer + ".pem");
      Files.writeString(
          pem, TestPki.pem(TestPki.create(signer).clientCertificate(signer).keys().getPrivate()));
      cosignKeys.put(signer, cosign.importKey(pem, signer));
      Path layout =
          ImageLayouts.variant(app, "1", work.resolve("cosign-" + signer), signer, signer);
      TestImages.Pushed pushed = ImageLayouts.push(layout, signer, registry, "cosign/app");
      cosign.sign(cosignKeys.get(signer), pushed.digestReference());
      layouts.put(pushed.tagReference(), layout);
    }
    layouts.forEach((reference, layout) -> node.importImage(layout, reference));
    String carolPem = Files.readString(work.resolve("cosign-signers/carol.pub"));
    String aliceId =
        KeyIds.notaryCanonicalId(PublicKeys.fromPem(Files.readString(dct.aliceCertificate())));
    String malloryId =
        KeyIds.notaryCanonicalId(PublicKeys.fromPem(Files.readString(dct.malloryCertificate())));

    String ns = "node-images";
    apply(
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: %s
          labels: {keychain.dev/image-admission: enabled}
        """
            .formatted(ns));
    GenericKubernetesResource whitelist =
        generic(
            "SignerWhitelist",
            ns,
            "signed",
            Map.of(
                "images",
                List.of(registry.hostPort() + "/edge/*", registry.hostPort() + "/cosign/**"),
                "signers",
                List.of(
                    Map.of("name", "alice", "keyId", aliceId),
                    Map.of(
                        "name",
                        "carol",
                        "keyId",
                        KeyIds.spkiFingerprint(PublicKeys.fromPem(carolPem)),
                        "publicKey",
                        carolPem)),
                "trust",
                Map.of(
                    "notary",
                    Map.of(
                        "server", notary.url(),
                        "rootKeyIds", List.of(dct.publisher().rootKeyId()),
                        "caBundle", notary.pki().caPem()),
                    "cosign",
                    Map.of("enabled", true)),
                "registry",
                Map.of("insecureHttp", true),
                "mode",
                "Enforce"));
    client.resource(whitelist).create();
    awaitReady(ns, "SignerWhitelist", "signed");

    for (String image :
        List.of(dct.legit().tagReference(), registry.hostPort() + "/cosign/app:carol")) {
      String pod = "ok-" + Integer.toHexString(image.hashCode());
      Await.value(
          "a pod of " + image + " (signed by a whitelisted key) to be admitted",
          TIMEOUT,
          () -> Optional.of(client.resource(appPod(ns, pod, image)).create()));
      Await.until("pod " + pod + " of " + image + " to run", TIMEOUT, () -> running(ns, pod));
    }

    String evil = dct.malicious().tagReference();
    String denial = denied(() -> client.resource(appPod(ns, "evil", evil)).create());
    assertTrue(denial.contains(malloryId), "the denial does not name mallory's key: " + denial);
    assertTrue(denial.contains(evil), denial);
    String dave = registry.hostPort() + "/cosign/app:dave";
    String cosignDenial = denied(() -> client.resource(appPod(ns, "dave", dave)).create());
    assertTrue(
        cosignDenial.contains("none by a whitelisted key"), "cosign denial: " + cosignDenial);

    // A Deployment of mallory's image is refused before any ReplicaSet or pod exists.
    String deploymentDenial =
        denied(
            () ->
                client
                    .resource(
                        load("""
                            apiVersion: apps/v1
                            kind: Deployment
                            metadata: {name: evil, namespace: %s}
                            spec:
                              replicas: 1
                              selector: {matchLabels: {app: evil}}
                              template:
                                metadata: {labels: {app: evil}}
                                spec:
                                  containers: [{name: app, image: "%s", command: [sleep, "3600"]}]
                            """
                                .formatted(ns, evil))
                            .get(0))
                    .create());
    assertTrue(deploymentDenial.contains(malloryId), deploymentDenial);
    assertTrue(
        client
            .apps()
            .replicaSets()
            .inNamespace(ns)
            .withLabel("app", "evil")
            .list()
            .getItems()
            .isEmpty(),
        "a ReplicaSet of the denied Deployment exists");
    assertTrue(
        client.pods().inNamespace(ns).withLabel("app", "evil").list().getItems().isEmpty(),
        "a pod of the denied Deployment exists");
  }

  @Test
  @Order(9)
  void keysGoOnlyToPodsWhoseRunningImagesTheWhitelistVerifies() throws IOException {
    // carol's and dave's cosign-signed images were imported by the scenario before; the
    // whitelist trusts carol only, in Audit mode, so that dave's image is admitted (with a
    // warning) and runs, keyless.
    String ns = "node-verified";
    String carolPem = Files.readString(work.resolve("cosign-signers/carol.pub"));
    Cosign cosign = Cosign.locate(work.resolve("cosign-signers"));
    Path erinKey = work.resolve("erin.pem");
    Files.writeString(
        erinKey, TestPki.pem(TestPki.create("erin").clientCertificate("erin").keys().getPrivate()));
    cosign.importKey(erinKey, "erin");
    String erinPem = Files.readString(work.resolve("cosign-signers/erin.pub"));
    apply(
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: %s
          labels: {keychain.dev/injection: enabled, keychain.dev/image-admission: enabled}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: share, namespace: %s}
        stringData: {share: node-verified-tenant-share-32by!}
        ---
        apiVersion: keychain.dev/v1alpha1
        kind: KeyChain
        metadata: {name: chain, namespace: %s}
        spec:
          tenantShareSecretRef: {name: share, key: share}
          groups: [{name: A}]
        """
            .formatted(ns, ns, ns));
    createCosignWhitelist(ns, "verified", cosignSigner("carol", carolPem), "mode", "Audit");
    apply(
        """
        apiVersion: keychain.dev/v1alpha1
        kind: SecureInstance
        metadata: {name: web, namespace: %s}
        spec:
          keyChain: chain
          clusterGroup: A
          selector: {matchLabels: {app: web}}
          signerWhitelist: verified
        """
            .formatted(ns));
    awaitReady(ns, "KeyChain", "chain");
    awaitReady(ns, "SecureInstance", "web");
    KeychainObjects objects = new KeychainObjects(client, ns);
    for (String[] p :
        List.of(new String[] {"signed", "carol"}, new String[] {"unverified", "dave"})) {
      Pod pod = appPod(ns, p[0], registry.hostPort() + "/cosign/app:" + p[1]);
      pod.getMetadata().setLabels(Map.of("app", "web"));
      client.resource(pod).create();
      Await.until("pod " + p[0] + " to run", TIMEOUT, () -> running(ns, p[0]));
    }
    Await.value(
        "the signed pod to read its key",
        TIMEOUT,
        () -> exec.read(ns, "signed", "app", KEY_DIR + "/key.json"));
    assertTrue(
        exec.read(ns, "unverified", "app", KEY_DIR + "/key.json").isEmpty(),
        "the pod running dave's image holds a key");
    JsonNode unverified =
        Await.value(
            "status.agents of web to say the unverified pod is NotVerified",
            TIMEOUT,
            () ->
                objects
                    .agentStatus("web", "unverified")
                    .filter(a -> "NotVerified".equals(a.path("images").asText())));
    assertTrue(
        unverified.path("imagesMessage").asText().contains("none by a whitelisted key"),
        unverified.toString());

    // carol is replaced by erin: the signed pod's agent drops its key within a watch period
    Instant removed = Instant.now();
    objects.patchSpec(
        "SignerWhitelist",
        "verified",
        JSON.writeValueAsString(Map.of("signers", List.of(cosignSigner("erin", erinPem)))));
    Await.until(
        "the signed pod's key file to empty once carol is no longer trusted",
        TIMEOUT,
        () -> exec.read(ns, "signed", "app", KEY_DIR + "/key.json").isEmpty());
    System.out.println(
        "[node-scenarios] removing the signer emptied the running pod's key file in "
            + Duration.between(removed, Instant.now()).toMillis()
            + " ms");
    objects.patchSpec(
        "SignerWhitelist",
        "verified",
        JSON.writeValueAsString(Map.of("signers", List.of(cosignSigner("carol", carolPem)))));
    Await.value(
        "the signed pod's key to come back once carol is trusted again",
        TIMEOUT,
        () -> exec.read(ns, "signed", "app", KEY_DIR + "/key.json"));
  }

  @Test
  @Order(10)
  void evictPolicyEvictsADeploymentsPodsAndTheReplicaSetsReplacementsAreDenied()
      throws IOException {
    String ns = "node-evict";
    String carolPem = Files.readString(work.resolve("cosign-signers/carol.pub"));
    String erinPem = Files.readString(work.resolve("cosign-signers/erin.pub"));
    apply(
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: %s
          labels: {keychain.dev/image-admission: enabled}
        ---
        apiVersion: keychain.dev/v1alpha1
        kind: AuditLog
        metadata: {name: decisions, namespace: %s}
        spec: {checkpointInterval: 2s}
        """
            .formatted(ns, ns));
    awaitReady(ns, "AuditLog", "decisions");
    createCosignWhitelist(
        ns, "evicting", cosignSigner("carol", carolPem), "runningPods", Map.of("action", "Evict"));
    apply(
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: carol-app, namespace: %s}
        spec:
          replicas: 2
          selector: {matchLabels: {app: carol-app}}
          template:
            metadata: {labels: {app: carol-app}}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - {name: app, image: "%s", imagePullPolicy: IfNotPresent, command: [sleep, "86400"]}
        """
            .formatted(ns, registry.hostPort() + "/cosign/app:carol"));
    Await.until(
        "both pods of the Deployment to run",
        TIMEOUT,
        () ->
            client.pods().inNamespace(ns).withLabel("app", "carol-app").list().getItems().stream()
                    .filter(p -> running(ns, p.getMetadata().getName()))
                    .count()
                == 2);

    // each pod the ReplicaSet created carries the receipt of its admission, bound to its UID
    for (Pod p : client.pods().inNamespace(ns).withLabel("app", "carol-app").list().getItems()) {
      String name = p.getMetadata().getName();
      String annotation =
          Await.value(
              "pod " + name + " to carry its admission receipt",
              TIMEOUT,
              () ->
                  Optional.ofNullable(client.pods().inNamespace(ns).withName(name).get())
                      .map(q -> q.getMetadata().getAnnotations())
                      .map(a -> a.get(AdmissionReceipt.ANNOTATION)));
      AdmissionReceipt receipt = AdmissionReceipt.parse(annotation).get(0);
      assertEquals(ns + "/decisions", receipt.log(), annotation);
      assertEquals(ns + "/" + name, receipt.pod(), annotation);
      assertEquals(p.getMetadata().getUid(), receipt.uid(), annotation);
    }

    // carol is replaced by erin: the re-verification the change triggers evicts both pods
    Instant replaced = Instant.now();
    new KeychainObjects(client, ns)
        .patchSpec(
            "SignerWhitelist",
            "evicting",
            JSON.writeValueAsString(Map.of("signers", List.of(cosignSigner("erin", erinPem)))));
    Await.until(
        "the Deployment's pods to be evicted",
        TIMEOUT,
        () ->
            client.pods().inNamespace(ns).withLabel("app", "carol-app").list().getItems().stream()
                .allMatch(p -> p.getMetadata().getDeletionTimestamp() != null));
    System.out.println(
        "[node-scenarios] replacing the signer evicted the Deployment's pods in "
            + Duration.between(replaced, Instant.now()).toMillis()
            + " ms");
    // the ReplicaSet tries to replace them and admission denies every replacement
    String failure =
        Await.value(
            "the ReplicaSet's replacement pods to be denied",
            TIMEOUT,
            () ->
                client.v1().events().inNamespace(ns).list().getItems().stream()
                    .filter(
                        e ->
                            "FailedCreate".equals(e.getReason())
                                && e.getMessage().contains("SignerWhitelist " + ns + "/evicting"))
                    .map(io.fabric8.kubernetes.api.model.Event::getMessage)
                    .findFirst());
    assertTrue(failure.contains("none by a whitelisted key"), failure);
    Await.until(
        "no pod of the Deployment to remain",
        TIMEOUT,
        () ->
            client
                .pods()
                .inNamespace(ns)
                .withLabel("app", "carol-app")
                .list()
                .getItems()
                .isEmpty());
    JsonNode status = new KeychainObjects(client, ns).status("SignerWhitelist", "evicting").get();
    assertEquals("Evict", status.path("runningPods").path("action").asText(), status.toString());
    client.namespaces().withName(ns).delete();
  }

  /**
   * Creates SignerWhitelist {@code name} of the registry's cosign images, trusting {@code signer},
   * with one more spec field, and waits until it is Ready.
   */
  private static void createCosignWhitelist(
      String ns, String name, Map<String, Object> signer, String field, Object value) {
    client
        .resource(
            generic(
                "SignerWhitelist",
                ns,
                name,
                Map.of(
                    "images",
                    List.of(registry.hostPort() + "/cosign/**"),
                    "signers",
                    List.of(signer),
                    "trust",
                    Map.of("cosign", Map.of("enabled", true)),
                    "registry",
                    Map.of("insecureHttp", true),
                    field,
                    value)))
        .create();
    awaitReady(ns, "SignerWhitelist", name);
  }

  private static Map<String, Object> cosignSigner(String name, String pem) {
    return Map.of(
        "name", name, "keyId", KeyIds.spkiFingerprint(PublicKeys.fromPem(pem)), "publicKey", pem);
  }

  @Test
  @Order(11)
  void withTheOperatorDownNewPodsAreRefusedAndRunningPodsKeepTheirKeysUntilTheyExpire() {
    Map<String, JsonNode> held = awaitKeys("keys before the operator goes down", k -> true);
    install.scale(0);
    Instant down = Instant.now();
    // Until kube-proxy has dropped the last replica's endpoint, the API server's call to the
    // webhook may hang until the client gives up: that is a refusal too, but says nothing.
    java.util.concurrent.atomic.AtomicInteger attempt =
        new java.util.concurrent.atomic.AtomicInteger();
    String refusal =
        Await.value(
            "a refusal naming the webhook",
            TIMEOUT,
            () -> {
              String r =
                  denied(
                      () ->
                          client
                              .resource(
                                  appPod(
                                          APPS,
                                          "while-down-" + attempt.incrementAndGet(),
                                          NodeInstall.APP_IMAGE)
                                      .edit()
                                      .editMetadata()
                                      .addToLabels("app", "svc")
                                      .endMetadata()
                                      .build())
                              .create());
              return r.contains("keychain") ? Optional.of(r) : Optional.empty();
            });
    // The keys stay while they are valid; each agent wipes its own at its expiry.
    Instant lastExpiry =
        held.values().stream()
            .map(k -> Instant.parse(k.path("expiresAt").asText()))
            .max(Instant::compareTo)
            .orElseThrow();
    Map<String, JsonNode> stillHeld = keys();
    assertEquals(held.keySet(), stillHeld.keySet(), "keys lost as the operator went down");
    Await.until(
        "every agent to wipe its key at its expiry (" + lastExpiry + ")",
        KEY_LIFETIME.plus(TIMEOUT),
        () -> Instant.now().isAfter(lastExpiry) && keys().isEmpty());
    for (JsonNode k : held.values()) {
      assertTrue(
          Instant.now().isAfter(Instant.parse(k.path("expiresAt").asText())),
          "a key was wiped before its expiry");
    }
    System.out.println(
        "[node-scenarios] operator down for "
            + Duration.between(down, Instant.now()).toSeconds()
            + " s: new pods refused, keys served until they expired");
    install.scale(2);
    awaitKeys("every agent to enrol again once the operator is back", k -> true);
    Await.value(
        "a new pod to be admitted and injected again",
        TIMEOUT,
        () ->
            Optional.of(
                client
                    .resource(
                        appPod(APPS, "after-down", NodeInstall.APP_IMAGE)
                            .edit()
                            .editMetadata()
                            .addToLabels("app", "svc")
                            .endMetadata()
                            .build())
                    .create()));
    assertNoAppRestarts();
  }

  @Test
  @Order(12)
  void deletedRemovesTheKeysFromEveryRunningPod() {
    setState("Deleted");
    awaitNoKeys("Deleted to remove every pod's key files");
    try {
      Await.until(
          "SecureInstance svc to be gone (finalizer done)",
          TIMEOUT,
          () -> resource(APPS, "SecureInstance", "svc") == null);
    } catch (ScenarioFailure e) {
      throw withOperatorState(e);
    }
  }

  @Test
  @Order(13)
  void twoDeploymentsInTwoNamespacesReadOneSharedItemUntilTheRecipientIsRemoved() {
    KeyShareAcrossNamespaces.Figures figures;
    try {
      figures = new KeyShareAcrossNamespaces(client, NodeInstall.APP_IMAGE, KEY_DIR, TIMEOUT).run();
    } catch (ScenarioFailure e) {
      throw new ScenarioFailure(e.getMessage() + "\n" + install.operatorLogs(), e);
    }
    System.out.println(
        "[node-scenarios] KeyShare: item in 3 pods of 2 namespaces "
            + figures.firstDelivery().toMillis()
            + " ms after the share was made; removed recipient erased it in "
            + figures.removal().toMillis()
            + " ms; deleting the share erased it in "
            + figures.erasure().toMillis()
            + " ms");
  }

  @Test
  @Order(14)
  void restartingTheApiServerAndEtcdLosesNothingAndTheOperatorActsAgain() {
    String ns = "faults";
    NodeTenants tenants = new NodeTenants(client, NodeInstall.APP_IMAGE, KEY_DIR, TIMEOUT);
    tenants.apply(
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: faults
          labels: {keychain.dev/injection: enabled}
        ---
        apiVersion: keychain.dev/v1alpha1
        kind: AuditLog
        metadata: {name: audit, namespace: faults}
        spec: {checkpointEveryRecords: 1, checkpointInterval: 1s, verifyInterval: 5s}
        """);
    tenants.create(ns, "svc", 2);
    KeychainObjects objects = new KeychainObjects(client, ns);
    long treeBefore =
        Await.value(
                "the faults audit log to verify its first records",
                TIMEOUT,
                () ->
                    objects
                        .status("AuditLog", "audit")
                        .filter(st -> st.path("treeSize").asLong() >= 3)
                        .filter(st -> KeychainObjects.conditionTrue(st, "Verified")))
            .path("treeSize")
            .asLong();
    Map<String, JsonNode> before = tenants.keys(ns, "svc");
    long epoch = before.values().iterator().next().path("agentEpoch").asLong();

    Instant restart = Instant.now();
    plane.restartApiServerAndEtcd(Duration.ofSeconds(10));
    Instant back = Instant.now();
    // the Lease renewed after the restart (not the holder etcd kept), by a Ready replica
    String leader =
        Await.value(
            "both replicas Ready and one renewing the Lease after the API server came back",
            TIMEOUT,
            () -> {
              var lease =
                  client
                      .leases()
                      .inNamespace(NodeInstall.NAMESPACE)
                      .withName(NodeInstall.LEASE)
                      .get();
              boolean renewed =
                  lease != null
                      && lease.getSpec().getRenewTime() != null
                      && lease.getSpec().getRenewTime().toInstant().isAfter(back);
              return renewed
                      && install.operatorPods().size() == 2
                      && install.operatorPods().stream().allMatch(NodeInstall::ready)
                  ? install.leaderPod()
                  : Optional.empty();
            });
    Instant led = Instant.now();
    // the running pods kept their keys through it: agents keep what they hold while the operator
    // cannot answer, and the same epochs give the same keys afterwards
    Map<String, JsonNode> through = tenants.keys(ns, "svc");
    assertEquals(before.keySet(), through.keySet(), "keys lost in the restart");
    for (var e : before.entrySet()) {
      assertEquals(
          e.getValue().path("keyId").asText(), through.get(e.getKey()).path("keyId").asText());
    }

    // the operator acts again: Restart rotates the running pods' keys, a new pod is injected
    objects.setState("svc", "Restart");
    Await.until(
        "the pods to hold sub-key epoch " + (epoch + 1) + " after the restart",
        TIMEOUT,
        () -> {
          Map<String, JsonNode> keys = tenants.keys(ns, "svc");
          return keys.size() == 2
              && keys.values().stream().allMatch(k -> k.path("agentEpoch").asLong() == epoch + 1);
        });
    Instant rotated = Instant.now();
    objects.setState("svc", "Running");
    client.apps().deployments().inNamespace(ns).withName("svc").scale(3);
    tenants.awaitKeys("a third pod to be injected and hold its key", ns, "svc", 3);

    // nothing the log held was lost: it verifies from the same start, longer than before
    try {
      Await.value(
          "the faults audit log to verify again after the restart, longer than " + treeBefore,
          TIMEOUT,
          () ->
              objects
                  .status("AuditLog", "audit")
                  .filter(st -> st.path("treeSize").asLong() > treeBefore)
                  .filter(st -> KeychainObjects.conditionTrue(st, "Verified"))
                  .filter(
                      st ->
                          !st.path("lastVerificationTime").asText().isEmpty()
                              && Instant.parse(st.path("lastVerificationTime").asText())
                                  .isAfter(rotated)));
    } catch (ScenarioFailure e) {
      throw new ScenarioFailure(
          e.getMessage()
              + "\naudit log status: "
              + objects.status("AuditLog", "audit").map(Object::toString).orElse("(none)")
              + "\n"
              + install.operatorLogs(),
          e);
    }
    System.out.println(
        "[node-scenarios] kube-apiserver and etcd stopped and back in "
            + Duration.between(restart, back).toMillis()
            + " ms; "
            + leader
            + " leading "
            + Duration.between(back, led).toMillis()
            + " ms after; Restart rotated the pods "
            + Duration.between(led, rotated).toMillis()
            + " ms later; keys and audit records kept");
  }

  @Test
  @Order(15)
  void withTheRegistryOrNotaryDownNewImagesAreRefusedNamingItAndTheMetricsSaySo()
      throws IOException {
    // test 8's whitelist: alice through notary, carol through cosign. Images never seen before,
    // so that no cached verdict or tag can answer for them.
    String ns = "node-images";
    Cosign cosign = Cosign.locate(work.resolve("cosign-signers"));
    Path carol = cosign.importKey(work.resolve("carol.pem"), "carol-fresh");
    TestImages.Pushed cosignFresh =
        registry.pushTestImage("cosign/app", "fresh", "signed by carol, never seen");
    cosign.sign(carol, cosignFresh.digestReference());
    TestImages.Pushed notaryFresh =
        registry.pushTestImage("edge/app", "fresh", "signed by alice, never seen");
    dct.publisher()
        .addHash(
            dct.gun(),
            notaryFresh.tag(),
            notaryFresh.manifest().length,
            notaryFresh.digest(),
            "targets/releases");
    dct.publisher().publish(dct.gun());
    List<String> running =
        client.pods().inNamespace(ns).list().getItems().stream()
            .filter(p -> "Running".equals(p.getStatus().getPhase()))
            .map(p -> p.getMetadata().getName())
            .toList();
    assertTrue(!running.isEmpty(), "test 8 left no running pods in " + ns);
    double unavailableBefore = unavailableDenials();

    // the registry down: a tag cannot be resolved, the pod is refused naming the registry
    registry.stop();
    String registryDown =
        denied(
            () ->
                client
                    .resource(appPod(ns, "registry-down", cosignFresh.tagReference()))
                    .dryRun()
                    .create());
    assertTrue(registryDown.contains(registry.hostPort() + " unreachable"), registryDown);
    Await.until(
        "the operator's metrics to count the refusal as unavailable",
        TIMEOUT,
        () -> unavailableDenials() > unavailableBefore);
    for (String pod : running) {
      assertTrue(running(ns, pod), "running pod " + pod + " stopped while the registry was down");
    }
    registry.startAgain();
    Await.value(
        "the same image to be admitted once the registry is back",
        TIMEOUT,
        () ->
            Optional.of(
                client
                    .resource(appPod(ns, "registry-back", cosignFresh.tagReference()))
                    .dryRun()
                    .create()));

    // notary down: the image's trust data cannot be fetched, the pod is refused
    double beforeNotary = unavailableDenials();
    notary.stop();
    String notaryDown =
        denied(
            () ->
                client
                    .resource(appPod(ns, "notary-down", notaryFresh.tagReference()))
                    .dryRun()
                    .create());
    assertTrue(notaryDown.contains("unreachable"), notaryDown);
    Await.until(
        "the operator's metrics to count the notary refusal as unavailable",
        TIMEOUT,
        () -> unavailableDenials() > beforeNotary);
    for (String pod : running) {
      assertTrue(running(ns, pod), "running pod " + pod + " stopped while notary was down");
    }
    System.out.println(
        "[node-scenarios] registry down: "
            + registryDown
            + "\n[node-scenarios] notary down: "
            + notaryDown);
  }

  /**
   * keychain_admission_image_decisions_total{decision="denied",reason="unavailable"} summed over
   * the replicas, read from their /metrics on the pod addresses.
   */
  private static double unavailableDenials() {
    double sum = 0;
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (Pod pod : install.operatorPods()) {
      try {
        String body =
            http.send(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(
                                "http://" + pod.getStatus().getPodIP() + ":8080/metrics"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        for (String line : body.lines().toList()) {
          if (line.startsWith("keychain_admission_image_decisions_total{")
              && line.contains("decision=\"denied\"")
              && line.contains("reason=\"unavailable\"")) {
            sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return sum;
  }

  // --- helpers ---

  private static final String AUDIT_STORAGE_CLASS = "keychain-node-audit";

  /**
   * A ReadWriteMany volume for the audit logs: a directory of this machine (the node's), owned by
   * the operator's user, as a static PersistentVolume the chart's claim binds to by class.
   */
  private static void auditVolume() throws IOException {
    Path dir = work.resolve("audit-volume");
    Files.createDirectories(dir);
    Files.setAttribute(dir, "unix:uid", 65532);
    Files.setAttribute(dir, "unix:gid", 65532);
    apply(
        """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: keychain-node-audit}
        spec:
          capacity: {storage: 1Gi}
          accessModes: [ReadWriteMany]
          persistentVolumeReclaimPolicy: Retain
          storageClassName: %s
          hostPath: {path: %s, type: Directory}
        """
            .formatted(AUDIT_STORAGE_CLASS, dir.toAbsolutePath()));
  }

  private static List<HasMetadata> load(String yaml) {
    return client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
  }

  private static void apply(String yaml) {
    for (HasMetadata object : load(yaml)) {
      client.resource(object).create();
    }
  }

  private static GenericKubernetesResource generic(
      String kind, String ns, String name, Map<String, Object> spec) {
    GenericKubernetesResource r = new GenericKubernetesResource();
    r.setApiVersion(API);
    r.setKind(kind);
    r.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(name)
            .withNamespace(ns)
            .build());
    r.setAdditionalProperty("spec", spec);
    return r;
  }

  private static Pod appPod(String ns, String name, String image) {
    return new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .withNewSpec()
        .withTerminationGracePeriodSeconds(2L)
        .addNewContainer()
        .withName("app")
        .withImage(image)
        .withImagePullPolicy("IfNotPresent")
        .withCommand("sleep", "86400")
        .endContainer()
        .endSpec()
        .build();
  }

  /** The API server's refusal message of {@code create}, which must be refused. */
  private static String denied(Runnable create) {
    try {
      create.run();
    } catch (KubernetesClientException e) {
      return e.getStatus() != null && e.getStatus().getMessage() != null
          ? e.getStatus().getMessage()
          : e.getMessage();
    }
    throw new AssertionError("admitted, though it must be refused");
  }

  private static boolean running(String ns, String pod) {
    Pod p = client.pods().inNamespace(ns).withName(pod).get();
    return p != null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
  }

  private static List<Pod> svcPods() {
    return client.pods().inNamespace(APPS).withLabel("app", "svc").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> "Running".equals(p.getStatus().getPhase()))
        .toList();
  }

  /**
   * The key metadata each running svc pod's app container reads now (pods without one left out).
   */
  private static Map<String, JsonNode> keys() {
    Map<String, JsonNode> keys = new TreeMap<>();
    for (Pod pod : svcPods()) {
      String name = pod.getMetadata().getName();
      exec.read(APPS, name, "app", KEY_DIR + "/key.json")
          .ifPresent(
              json -> {
                try {
                  keys.put(name, JSON.readTree(json));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
    return keys;
  }

  /** Waits until each of the 3 svc pods holds a key meeting {@code test}; returns them. */
  private static Map<String, JsonNode> awaitKeys(
      String what, java.util.function.Predicate<JsonNode> test) {
    try {
      return Await.value(
          what,
          TIMEOUT,
          () -> {
            if (svcPods().size() != 3) {
              return Optional.empty();
            }
            Map<String, JsonNode> keys = keys();
            return keys.size() == 3 && keys.values().stream().allMatch(test)
                ? Optional.of(keys)
                : Optional.empty();
          });
    } catch (ScenarioFailure e) {
      throw new ScenarioFailure(e.getMessage() + "\n" + diagnosis(), e);
    }
  }

  /** What the pods hold, what the instance's status says, the agents' and operator's logs. */
  private static String diagnosis() {
    StringBuilder out = new StringBuilder("pods' keys (ID prefix, epochs, group):\n");
    keys()
        .forEach(
            (pod, k) ->
                out.append("  ")
                    .append(pod)
                    .append(": ")
                    .append(k.path("keyId").asText().substring(0, 16))
                    .append(' ')
                    .append(k.path("rootEpoch").asLong())
                    .append('.')
                    .append(k.path("groupEpoch").asLong())
                    .append('.')
                    .append(k.path("agentEpoch").asLong())
                    .append(' ')
                    .append(k.path("group").asText())
                    .append('\n'));
    out.append("svc status: ").append(status("SecureInstance", "svc").orElse(null)).append('\n');
    for (Pod pod : svcPods()) {
      String name = pod.getMetadata().getName();
      try {
        out.append("--- agent of ")
            .append(name)
            .append('\n')
            .append(
                client
                    .pods()
                    .inNamespace(APPS)
                    .withName(name)
                    .inContainer("keychain-agent")
                    .tailingLines(15)
                    .getLog());
      } catch (RuntimeException e) {
        out.append("(no agent log: ").append(e.getMessage()).append(")\n");
      }
    }
    return out + install.operatorLogs();
  }

  private static void awaitNoKeys(String what) {
    Await.until(what, TIMEOUT, () -> svcPods().size() == 3 && keys().isEmpty());
  }

  private static void awaitRotationDone(long epoch) {
    try {
      Await.value(
          "svc to complete the rotation (subKeyEpoch " + epoch + ", Running)",
          TIMEOUT,
          () ->
              status("SecureInstance", "svc")
                  .filter(s -> s.path("subKeyEpoch").asLong() == epoch)
                  .filter(s -> "Running".equals(s.path("state").asText())));
    } catch (ScenarioFailure e) {
      throw withOperatorState(e);
    }
  }

  /** A failure with what the operator saw: svc's status and the operator pods' logs. */
  private static ScenarioFailure withOperatorState(ScenarioFailure e) {
    return new ScenarioFailure(
        e.getMessage()
            + "\nsvc status: "
            + status("SecureInstance", "svc").map(Object::toString).orElse("(none)")
            + "\n"
            + install.operatorLogs());
  }

  /** No app container restarted: the lifecycle acts on the key files, never on the app. */
  private static void assertNoAppRestarts() {
    for (Pod pod : svcPods()) {
      for (ContainerStatus s : pod.getStatus().getContainerStatuses()) {
        if (s.getName().equals("app")) {
          assertEquals(
              0,
              s.getRestartCount(),
              "app container of " + pod.getMetadata().getName() + " restarted");
        }
      }
    }
  }

  private static void setState(String state) {
    apps().setState("svc", state);
  }

  private static void patchSpec(String kind, String name, String spec) {
    apps().patchSpec(kind, name, spec);
  }

  private static GenericKubernetesResource resource(String ns, String kind, String name) {
    return new KeychainObjects(client, ns).get(kind, name);
  }

  private static Optional<JsonNode> status(String kind, String name) {
    return apps().status(kind, name);
  }

  private static Optional<JsonNode> agentStatus(String pod) {
    return apps().agentStatus("svc", pod);
  }

  private static KeychainObjects apps() {
    return new KeychainObjects(client, APPS);
  }

  private static void awaitReady(String kind, String name) {
    awaitReady(APPS, kind, name);
  }

  private static void awaitReady(String ns, String kind, String name) {
    new KeychainObjects(client, ns).awaitReady(kind, name, TIMEOUT);
  }
}
