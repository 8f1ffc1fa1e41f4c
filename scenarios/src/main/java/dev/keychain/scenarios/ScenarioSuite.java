package dev.keychain.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What a user's install goes through, in order, in one namespace: the examples become Ready, a pod
 * is injected and its agent enrols, Restart rotates its key, Paused restricts it and Running
 * restores it, an unsigned image is denied and a signed one admitted, Deleted revokes the key for
 * good, the audit log verifies, users see it all as events, and deleting the key chain revokes its
 * sealed keys. It only uses the API as a user does (generic resources, the examples in {@code
 * examples/}), so it runs against the local control plane with agents as processes and against a
 * real cluster with agents in pods.
 */
public final class ScenarioSuite {
  private static final String API = KeychainObjects.API;

  /** One scenario's outcome. */
  public record Result(String scenario, boolean passed, String detail, Duration took) {
    @Override
    public String toString() {
      return (passed ? "PASS " : "FAIL ")
          + scenario
          + " ("
          + took.toMillis()
          + " ms)"
          + (passed ? "" : ": " + detail);
    }
  }

  /** Where and how the suite runs. */
  public record Settings(
      String namespace,
      String operatorNamespace,
      String injectionLabel,
      String imageAdmissionLabel,
      String appImage,
      SignedImages images,
      Duration timeout,
      boolean failFast) {}

  private record Scenario(String name, Runnable body) {}

  private final KubernetesClient client;
  private final Agents agents;
  private final Settings settings;
  private final String ns;
  private final KeychainObjects objects;
  private Agents.Agent agent;
  private String firstKeyId;

  public ScenarioSuite(KubernetesClient client, Agents agents, Settings settings) {
    this.client = client;
    this.agents = agents;
    this.settings = settings;
    this.ns = settings.namespace();
    this.objects = new KeychainObjects(client, ns);
  }

  /** Runs the scenarios in order; with failFast, stops at the first failure. */
  public List<Result> run() {
    List<Scenario> scenarios =
        List.of(
            new Scenario("examplesBecomeReady", this::examplesBecomeReady),
            new Scenario("leaderRenewsItsLease", this::leaderRenewsItsLease),
            new Scenario("podIsInjectedWithTheAgent", this::podIsInjectedWithTheAgent),
            new Scenario("agentEnrolsAndHoldsItsKey", this::agentEnrolsAndHoldsItsKey),
            new Scenario("restartRotatesTheKey", this::restartRotatesTheKey),
            new Scenario("pausedRestrictsTheKey", this::pausedRestrictsTheKey),
            new Scenario("runningRestoresTheKey", this::runningRestoresTheKey),
            new Scenario("unsignedImageIsDeniedSignedAdmitted", this::signerWhitelistDecides),
            new Scenario("clusterWhitelistGovernsSelectedNamespace", this::clusterWhitelist),
            new Scenario("evictPolicyEvictsPodsNoLongerVerified", this::evictPolicyEvicts),
            new Scenario("requestedRotationRotatesGroupKeys", this::requestedRotation),
            new Scenario("keyShareVersionsForItsRecipient", this::keyShare),
            new Scenario("deletedRevokesTheKey", this::deletedRevokesTheKey),
            new Scenario("auditLogVerifies", this::auditLogVerifies),
            new Scenario("usersSeeItAsEvents", this::usersSeeItAsEvents),
            new Scenario("deletingTheChainRevokesSealedKeys", this::deletingTheChainRevokes));
    List<Result> results = new ArrayList<>();
    try {
      for (Scenario scenario : scenarios) {
        Instant start = Instant.now();
        try {
          scenario.body().run();
          results.add(
              new Result(scenario.name(), true, "", Duration.between(start, Instant.now())));
        } catch (RuntimeException | AssertionError e) {
          String detail = e.getMessage() == null ? e.toString() : e.getMessage();
          results.add(
              new Result(scenario.name(), false, detail, Duration.between(start, Instant.now())));
          if (settings.failFast()) {
            break;
          }
        }
      }
    } finally {
      if (agent != null) {
        agent.close();
      }
    }
    return results;
  }

  // --- scenarios ---

  private void examplesBecomeReady() {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(ns)
                .addToLabels(settings.injectionLabel(), "enabled")
                .addToLabels(settings.imageAdmissionLabel(), "enabled")
                .endMetadata()
                .build())
        .create();
    for (HasMetadata object : examples()) {
      if (object.getKind().equals("Namespace") || object.getKind().equals("SignerWhitelist")) {
        continue; // the whitelist example names example.com signers: the signer scenario has its
        // own
      }
      object.getMetadata().setNamespace(ns);
      if (object.getKind().equals("AuditLog")) {
        // Verify often enough for the suite to see it.
        spec(object).put("checkpointInterval", "2s");
        spec(object).put("verifyInterval", "3s");
      }
      client.resource(object).create();
    }
    awaitReady("KeyChain", "tenant-a");
    awaitReady("SecureInstance", "web");
    awaitReady("AuditLog", "demo");
  }

  private void leaderRenewsItsLease() {
    Supplier<Optional<String>> renewTime =
        () ->
            Optional.ofNullable(
                    client
                        .leases()
                        .inNamespace(settings.operatorNamespace())
                        .withName("keychain-operator-leader")
                        .get())
                .map(l -> l.getSpec().getRenewTime())
                .map(Object::toString);
    String first = awaitValue("a leader to hold Lease keychain-operator-leader", renewTime);
    awaitValue(
        "the leader to renew its lease (renewTime after " + first + ")",
        () -> renewTime.get().filter(t -> !t.equals(first)));
  }

  private void podIsInjectedWithTheAgent() {
    Pod pod =
        awaitValue(
            "the pod web-0 to be admitted (the injection webhook follows the instances)",
            () -> {
              try {
                return Optional.of(client.resource(webPod()).create());
              } catch (KubernetesClientException e) {
                throw new ScenarioFailure("pod web-0 refused: " + e.getMessage(), e);
              }
            });
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    check("true".equals(annotations.get("keychain.dev/injected")), "not injected: " + annotations);
    check("web".equals(annotations.get("keychain.dev/instance")), "instance: " + annotations);
    check(
        pod.getSpec().getInitContainers().stream()
            .anyMatch(c -> c.getName().equals("keychain-agent-init")),
        "no keychain-agent-init container");
    check(
        pod.getSpec().getVolumes().stream().anyMatch(v -> v.getName().equals("keychain-key")),
        "no keychain-key volume");
  }

  private void agentEnrolsAndHoldsItsKey() {
    Pod pod = client.pods().inNamespace(ns).withName("web-0").get();
    agent = agents.attach(pod);
    JsonNode key = awaitValue("the agent to hold a key", agent::heldKey);
    check(key.get("agentEpoch").asLong() == 0, "first key not of epoch 0: " + key);
    firstKeyId = key.get("keyId").asText();
    awaitValue(
        "status.agents of web to show web-0 with key " + firstKeyId,
        () ->
            agentStatus("web-0")
                .filter(a -> firstKeyId.equals(a.path("keyId").asText()))
                .filter(a -> !a.path("lastSeen").asText().isEmpty()));
    awaitValue(
        "pod web-0 to carry the acknowledged key ID",
        () ->
            Optional.ofNullable(client.pods().inNamespace(ns).withName("web-0").get())
                .map(p -> p.getMetadata().getAnnotations().get("keychain.dev/agent-key-id"))
                .filter(firstKeyId::equals));
  }

  private void restartRotatesTheKey() {
    setState("Restart");
    JsonNode key =
        awaitValue(
            "the agent to hold the epoch-1 key",
            () -> agent.heldKey().filter(k -> k.get("agentEpoch").asLong() == 1));
    check(!firstKeyId.equals(key.get("keyId").asText()), "rotated key has the old key ID");
    awaitValue(
        "web to complete the rotation (subKeyEpoch 1, Running)",
        () ->
            status("SecureInstance", "web")
                .filter(s -> s.path("subKeyEpoch").asLong() == 1)
                .filter(
                    s ->
                        s.path("pendingSubKeyEpoch").isMissingNode()
                            || s.path("pendingSubKeyEpoch").isNull())
                .filter(s -> "Running".equals(s.path("state").asText())));
  }

  private void pausedRestrictsTheKey() {
    setState("Paused");
    awaitValue(
        "the agent to wipe its key",
        () -> agent.heldKey().isEmpty() ? Optional.of(true) : Optional.empty());
    check(agent.running(), "the agent stopped on restriction:\n" + agent.log());
  }

  private void runningRestoresTheKey() {
    setState("Running");
    JsonNode key = awaitValue("the agent to hold its key again", agent::heldKey);
    check(key.get("agentEpoch").asLong() == 1, "restored key not of epoch 1: " + key);
  }

  private void signerWhitelistDecides() {
    SignedImages images = settings.images();
    GenericKubernetesResource whitelist = new GenericKubernetesResource();
    whitelist.setApiVersion(API);
    whitelist.setKind("SignerWhitelist");
    whitelist.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("scenario")
            .withNamespace(ns)
            .build());
    Map<String, Object> spec = new java.util.HashMap<>(cosignWhitelistSpec(images));
    spec.put("mode", "Enforce");
    whitelist.setAdditionalProperty("spec", spec);
    client.resource(whitelist).create();
    awaitReady("SignerWhitelist", "scenario");
    String denial = awaitDenial("the unsigned image", imagePod("unsigned", images.unsignedImage()));
    check(
        denial.contains("SignerWhitelist " + ns + "/scenario"),
        "denial does not name the whitelist: " + denial);
    Pod signed;
    try {
      signed = client.resource(imagePod("signed", images.signedImage())).create();
    } catch (KubernetesClientException e) {
      throw new ScenarioFailure("the signed image was refused: " + e.getMessage(), e);
    }
    // Pinned to the digest verified (pinDigests, on by default): the node runs exactly that.
    String image = signed.getSpec().getContainers().get(0).getImage();
    check(
        image.matches(java.util.regex.Pattern.quote(images.signedImage()) + "@sha256:[0-9a-f]{64}"),
        "the admitted image was not pinned to its digest: " + image);
  }

  /**
   * A ClusterSignerWhitelist selecting this namespace by name governs its images beside the
   * namespace's own whitelist: its denial is named, its status becomes Ready. Pods are created as a
   * dry run (admission runs, nothing is scheduled).
   */
  private void clusterWhitelist() {
    SignedImages images = settings.images();
    String name = "scenario-" + ns;
    GenericKubernetesResource whitelist = new GenericKubernetesResource();
    whitelist.setApiVersion(API);
    whitelist.setKind("ClusterSignerWhitelist");
    whitelist.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).build());
    Map<String, Object> spec = new java.util.HashMap<>(cosignWhitelistSpec(images));
    spec.put("namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", ns)));
    whitelist.setAdditionalProperty("spec", spec);
    var clusterWhitelists = client.genericKubernetesResources(API, "ClusterSignerWhitelist");
    clusterWhitelists.resource(whitelist).create();
    try {
      awaitValue(
          "ClusterSignerWhitelist " + name + " to be Ready",
          () ->
              Optional.ofNullable(clusterWhitelists.withName(name).get())
                  .map(r -> r.getAdditionalProperties().get("status"))
                  .map(KeychainObjects::json)
                  .filter(st -> KeychainObjects.conditionTrue(st, "Ready")));
      String denial =
          awaitValue(
              "the unsigned image to be denied by the cluster whitelist",
              () -> {
                try {
                  client
                      .resource(imagePod("cluster-unsigned", images.unsignedImage()))
                      .dryRun()
                      .create();
                  throw new ScenarioFailure("the unsigned image was admitted");
                } catch (KubernetesClientException e) {
                  if (e.getCode() != 403) {
                    throw new ScenarioFailure("unexpected refusal: " + e.getMessage(), e);
                  }
                  String message = e.getStatus().getMessage();
                  // Until the webhook has seen it, only the namespace's whitelist denies.
                  return message.contains("ClusterSignerWhitelist " + name)
                      ? Optional.of(message)
                      : Optional.empty();
                }
              });
      check(
          denial.contains("SignerWhitelist " + ns + "/scenario"),
          "the namespace's whitelist did not also judge: " + denial);
      try {
        client.resource(imagePod("cluster-signed", images.signedImage())).dryRun().create();
      } catch (KubernetesClientException e) {
        throw new ScenarioFailure("the signed image was refused: " + e.getMessage(), e);
      }
    } finally {
      clusterWhitelists.withName(name).delete();
    }
  }

  /**
   * With runningPods action Evict, replacing the whitelist's signer evicts the running pod signed
   * by the old one (the operator uses the Eviction API), and the same image is then denied. The
   * whitelist is restored afterwards.
   */
  private void evictPolicyEvicts() {
    SignedImages images = settings.images();
    java.security.PublicKey stranger =
        dev.keychain.testing.fixtures.TestPki.create("stranger")
            .clientCertificate("stranger")
            .keys()
            .getPublic();
    String strangerPem = dev.keychain.testing.fixtures.TestPki.pem(stranger);
    objects.patchSpec(
        "SignerWhitelist",
        "scenario",
        KeychainObjects.json(
                Map.of(
                    "runningPods",
                    Map.of("action", "Evict"),
                    "signers",
                    List.of(
                        Map.of(
                            "name",
                            "stranger",
                            "keyId",
                            dev.keychain.core.keys.KeyIds.spkiFingerprint(stranger),
                            "publicKey",
                            strangerPem))))
            .toString());
    try {
      awaitValue(
          "the signed pod to be evicted once its signer is no longer trusted",
          () ->
              Optional.ofNullable(client.pods().inNamespace(ns).withName("signed").get())
                      .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                      .isPresent()
                  ? Optional.empty()
                  : Optional.of(true));
      String denial =
          awaitDenial("the evicted image", imagePod("signed-again", images.signedImage()));
      check(
          denial.contains("SignerWhitelist " + ns + "/scenario"),
          "denial does not name the whitelist: " + denial);
      awaitValue(
          "an Evicted event on the signed pod",
          () ->
              client.v1().events().inNamespace(ns).list().getItems().stream()
                  .filter(
                      e ->
                          "Evicted".equals(e.getReason())
                              && "signed".equals(e.getInvolvedObject().getName())
                              && e.getMessage().contains("no longer verifies"))
                  .findFirst());
    } finally {
      objects.patchSpec(
          "SignerWhitelist",
          "scenario",
          KeychainObjects.json(
                  Map.of(
                      "runningPods",
                      Map.of("action", "Report"),
                      "signers",
                      cosignWhitelistSpec(images).get("signers")))
              .toString());
    }
  }

  /**
   * The message admission denies {@code pod} with, once it does: a pod admitted before the webhook
   * saw the whitelist as it is now is deleted, and the creation tried again.
   */
  private String awaitDenial(String what, Pod pod) {
    return awaitValue(
        what + " to be denied",
        () -> {
          try {
            client.resource(pod).create();
            client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).delete();
            return Optional.empty();
          } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
              throw new ScenarioFailure("unexpected refusal: " + e.getMessage(), e);
            }
            return Optional.of(e.getStatus().getMessage());
          }
        });
  }

  /**
   * A KeyShare of a key web's chain derives, for a second instance of the namespace: version 1 is
   * made (a one-time key; its store of record is a Secret), and deleting the share wipes it.
   */
  private void keyShare() {
    GenericKubernetesResource api = new GenericKubernetesResource();
    api.setApiVersion(API);
    api.setKind("SecureInstance");
    api.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("api")
            .withNamespace(ns)
            .build());
    api.setAdditionalProperty(
        "spec",
        Map.of(
            "keyChain", "tenant-a",
            "clusterGroup", "A",
            "selector", Map.of("matchLabels", Map.of("app", "api"))));
    client.resource(api).create();
    GenericKubernetesResource share = new GenericKubernetesResource();
    share.setApiVersion(API);
    share.setKind("KeyShare");
    share.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("db-key")
            .withNamespace(ns)
            .build());
    share.setAdditionalProperty(
        "spec",
        Map.of(
            "owner", "web",
            "item", Map.of("derivedKey", "db-encryption"),
            "recipients", List.of(Map.of("namespace", ns, "instance", "api"))));
    client.resource(share).create();
    JsonNode status =
        awaitValue(
            "KeyShare db-key to make version 1",
            () ->
                status("KeyShare", "db-key")
                    .filter(st -> st.path("version").asLong() == 1 && conditionTrue(st, "Ready")));
    check(status.path("keyId").asText().matches("[0-9a-f]{64}"), "no key ID: " + status);
    check(
        client.secrets().inNamespace(ns).withName("keyshare.db-key").get() != null,
        "the share's store of record does not exist");
    client.resource(share).delete();
    awaitValue(
        "deleting KeyShare db-key to wipe its store",
        () ->
            client.secrets().inNamespace(ns).withName("keyshare.db-key").get() == null
                    && client
                            .genericKubernetesResources(API, "KeyShare")
                            .inNamespace(ns)
                            .withName("db-key")
                            .get()
                        == null
                ? Optional.of(true)
                : Optional.empty());
    client.resource(api).delete();
  }

  /** A whitelist spec: the suite's images, signed with cosign by its one signer. */
  private static Map<String, Object> cosignWhitelistSpec(SignedImages images) {
    return Map.of(
        "images", List.of(images.repositoryPattern()),
        "signers",
            List.of(
                Map.of(
                    "name", "signer",
                    "keyId", images.signerKeyId(),
                    "publicKey", images.signerPublicKeyPem())),
        "trust", Map.of("cosign", Map.of("enabled", true)),
        "registry", Map.of("insecureHttp", images.insecureHttp()));
  }

  private void requestedRotation() {
    objects.patchSpec("KeyChain", "tenant-a", "{\"rotation\":{\"requestId\":\"scenario-1\"}}");
    awaitValue(
        "KeyChain tenant-a to rotate its group keys for request scenario-1",
        () ->
            status("KeyChain", "tenant-a")
                .filter(s -> "scenario-1".equals(s.path("lastRotationRequestId").asText()))
                .filter(
                    s -> {
                      for (JsonNode g : s.path("groups")) {
                        if (g.path("epoch").asLong() < 1) {
                          return false;
                        }
                      }
                      return s.path("groups").size() > 0;
                    }));
  }

  private void deletedRevokesTheKey() {
    setState("Deleted");
    int exit =
        awaitValue(
            "the agent to exit after revocation",
            () -> {
              var code = agent.exitCode();
              return code.isPresent() ? Optional.of(code.getAsInt()) : Optional.empty();
            });
    check(exit == 4, "agent exited " + exit + " instead of 4 (revoked):\n" + agent.log());
    check(agent.heldKey().isEmpty(), "the revoked agent left its key behind");
    awaitValue(
        "SecureInstance web to be gone (finalizer done)",
        () -> resource("SecureInstance", "web") == null ? Optional.of(true) : Optional.empty());
  }

  private void auditLogVerifies() {
    Instant since = Instant.now();
    JsonNode status =
        awaitValue(
            "AuditLog demo to verify a log holding this run's records",
            () ->
                status("AuditLog", "demo")
                    .filter(s -> s.path("treeSize").asLong() >= 5)
                    .filter(s -> s.path("lastCheckpointSize").asLong() >= 5)
                    .filter(
                        s ->
                            !s.path("lastVerificationTime").asText().isEmpty()
                                && Instant.parse(s.path("lastVerificationTime").asText())
                                    .isAfter(since))
                    .filter(s -> conditionTrue(s, "Verified")));
    check(
        !status.path("rootHash").asText().isEmpty()
            && !status.path("lastCheckpoint").isMissingNode(),
        "status lacks the root or the checkpoint: " + status);
  }

  private void usersSeeItAsEvents() {
    for (String[] expected :
        List.of(
            new String[] {"web", "SubKeysRotating"},
            new String[] {"web", "KeysRevoked"},
            new String[] {"tenant-a", "GroupKeyRotated"})) {
      awaitValue(
          "an event " + expected[1] + " on " + expected[0],
          () ->
              client.v1().events().inNamespace(ns).list().getItems().stream()
                  .filter(e -> expected[0].equals(e.getInvolvedObject().getName()))
                  .filter(e -> expected[1].equals(e.getReason()))
                  .findFirst());
    }
  }

  private void deletingTheChainRevokes() {
    client
        .genericKubernetesResources(API, "KeyChain")
        .inNamespace(ns)
        .withName("tenant-a")
        .delete();
    awaitValue(
        "KeyChain tenant-a to be gone (finalizer done)",
        () -> resource("KeyChain", "tenant-a") == null ? Optional.of(true) : Optional.empty());
    awaitValue(
        "the sealed keys (Secret tenant-a-keychain) to be deleted",
        () ->
            client.secrets().inNamespace(ns).withName("tenant-a-keychain").get() == null
                ? Optional.of(true)
                : Optional.empty());
  }

  // --- helpers ---

  /** The objects of {@code examples/*.yaml}, as a user applies them. */
  private List<HasMetadata> examples() {
    Path dir = OperatorProcess.root().resolve("examples");
    List<HasMetadata> objects = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          objects.addAll(client.load(in).items());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the examples in " + dir, e);
    }
    return objects;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(HasMetadata object) {
    return (Map<String, Object>)
        ((GenericKubernetesResource) object).getAdditionalProperties().get("spec");
  }

  private Pod webPod() {
    return pod("web-0", Map.of("app", "web"), settings.appImage());
  }

  private Pod imagePod(String name, String image) {
    return pod(name, Map.of(), image);
  }

  private Pod pod(String name, Map<String, String> labels, String image) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels(labels)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage(image)
        // Where pods really run (a real cluster), the app stays up and has cat for key reads.
        .withCommand("sleep", "86400")
        .endContainer()
        .endSpec()
        .build();
  }

  private void setState(String state) {
    objects.setState("web", state);
  }

  private GenericKubernetesResource resource(String kind, String name) {
    return objects.get(kind, name);
  }

  private Optional<JsonNode> status(String kind, String name) {
    return objects.status(kind, name);
  }

  private Optional<JsonNode> agentStatus(String pod) {
    return objects.agentStatus("web", pod);
  }

  private static boolean conditionTrue(JsonNode status, String type) {
    return KeychainObjects.conditionTrue(status, type);
  }

  private void awaitReady(String kind, String name) {
    objects.awaitReady(kind, name, settings.timeout());
  }

  private <T> T awaitValue(String what, Supplier<Optional<T>> value) {
    return Await.value(what, settings.timeout(), value);
  }

  private static void check(boolean condition, String failure) {
    if (!condition) {
      throw new ScenarioFailure(failure);
    }
  }
}
