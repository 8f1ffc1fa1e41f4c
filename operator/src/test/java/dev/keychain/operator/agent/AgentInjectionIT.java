package dev.keychain.operator.agent;

import static dev.keychain.operator.testing.Fixtures.createTenantShare;
import static dev.keychain.operator.testing.Fixtures.isReady;
import static dev.keychain.operator.testing.Fixtures.keyChain;
import static dev.keychain.operator.testing.Fixtures.secureInstance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keychain.core.auth.AgentApi;
import dev.keychain.core.auth.AgentHandshake;
import dev.keychain.core.auth.AuthFailure;
import dev.keychain.core.auth.Messages;
import dev.keychain.core.auth.Wire;
import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.SubKeySize;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.lifecycle.InstanceState;
import dev.keychain.operator.api.v1alpha1.AgentStatus;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.chain.ChainVault;
import dev.keychain.operator.chain.OpenChain;
import dev.keychain.operator.instance.AgentIdentity;
import dev.keychain.operator.testing.Fixtures;
import dev.keychain.operator.testing.InjectedAgents;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.operator.testing.Webhooks;
import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.AgentProcess;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Agent injection and the agent endpoint end to end: pods created through the real API server come
 * back injected by the operator's mutating webhook; the real agent program, started as a process
 * with the pod's real bound ServiceAccount token, enrols over HTTPS and follows the instance's
 * lifecycle.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalControlPlaneResource.class, restrictToAnnotatedClass = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentInjectionIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final String AUDIENCE = "keychain.dev/agent";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject KubernetesClient client;
  @Inject ChainVault vault;
  @Inject dev.keychain.operator.instance.InstanceIndex instances;

  private final Path work = Path.of("target", "agent-it");

  @BeforeAll
  void registerWebhook() {
    Webhooks.registerInjection(client);
  }

  private String namespaceWithInstance(String prefix, String instance, String app) {
    String ns = LocalControlPlaneResource.newNamespace(prefix);
    LocalControlPlaneResource.plane().awaitServiceAccount(ns, "default");
    Webhooks.enableInjection(client, ns);
    createTenantShare(client, ns, "tenant-share");
    client.resource(keyChain(ns, "tenant", "tenant-share", "edge")).create();
    client.resource(secureInstance(ns, instance, "tenant", "edge", app)).create();
    awaitInstance(ns, instance, si -> isReady(si.getStatus().getConditions()));
    // The webhooks see instances through their own informer.
    await().atMost(TIMEOUT).until(() -> !instances.selecting(ns, Map.of("app", app)).isEmpty());
    return ns;
  }

  private SecureInstance awaitInstance(
      String ns, String name, Predicate<SecureInstance> condition) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              SecureInstance si =
                  client.resources(SecureInstance.class).inNamespace(ns).withName(name).get();
              return si != null && si.getStatus() != null && condition.test(si);
            });
    return client.resources(SecureInstance.class).inNamespace(ns).withName(name).get();
  }

  private Pod createPod(String ns, String name, String app, Map<String, String> annotations) {
    return client.resource(Fixtures.appPod(ns, name, app, annotations)).create();
  }

  private String token(String ns, Pod pod) {
    return LocalControlPlaneResource.plane().boundToken(ns, "default", pod, AUDIENCE, 600);
  }

  private Map<String, String> agentEnv(Pod pod, String token, String name) throws Exception {
    return InjectedAgents.environment(pod, token, work, name);
  }

  private static Path keyDir(Map<String, String> env) {
    return InjectedAgents.keyDir(env);
  }

  private static Optional<JsonNode> heldKey(Map<String, String> env) throws Exception {
    return InjectedAgents.heldKey(env);
  }

  @Test
  void injectsAgentIntoPodSelectedByInstance() {
    String ns = namespaceWithInstance("inject", "web", "web");
    Pod pod = createPod(ns, "web-0", "web", Map.of());

    assertEquals("true", pod.getMetadata().getAnnotations().get("keychain.dev/injected"));
    assertEquals("web", pod.getMetadata().getAnnotations().get("keychain.dev/instance"));
    assertEquals("edge", pod.getMetadata().getAnnotations().get("keychain.dev/cluster-group"));
    assertEquals("tenant", pod.getMetadata().getAnnotations().get("keychain.dev/key-chain"));
    var inits = pod.getSpec().getInitContainers();
    assertEquals("keychain-agent-init", inits.get(0).getName());
    assertEquals(java.util.List.of("enrol"), inits.get(0).getArgs());
    // The API server (1.34) has native sidecars: the refreshing agent is one.
    assertEquals("keychain-agent", inits.get(1).getName());
    assertEquals("Always", inits.get(1).getRestartPolicy());
    assertEquals(1, pod.getSpec().getContainers().size());
    var keyVolume =
        pod.getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("keychain-key"))
            .findFirst()
            .orElseThrow();
    assertEquals("Memory", keyVolume.getEmptyDir().getMedium());
    var token =
        pod.getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("keychain-token"))
            .findFirst()
            .orElseThrow()
            .getProjected()
            .getSources()
            .get(0)
            .getServiceAccountToken();
    assertEquals(AUDIENCE, token.getAudience());
    var appMount =
        pod.getSpec().getContainers().get(0).getVolumeMounts().stream()
            .filter(m -> m.getName().equals("keychain-key"))
            .findFirst()
            .orElseThrow();
    assertEquals("/var/run/keychain", appMount.getMountPath());
    assertTrue(appMount.getReadOnly());
    assertTrue(inits.get(0).getSecurityContext().getReadOnlyRootFilesystem());
    // The reconciler names the agent number on the pod.
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                "1"
                    .equals(
                        client
                            .pods()
                            .inNamespace(ns)
                            .withName("web-0")
                            .get()
                            .getMetadata()
                            .getAnnotations()
                            .get("keychain.dev/agent-number")));
  }

  @Test
  void leavesUnselectedAndOptedOutPodsUntouched() {
    String ns = namespaceWithInstance("untouched", "web", "web");
    Pod other = createPod(ns, "other", "db", Map.of());
    assertTrue(other.getSpec().getInitContainers().isEmpty());
    assertFalse(
        other.getMetadata().getAnnotations() != null
            && other.getMetadata().getAnnotations().containsKey("keychain.dev/injected"));
    Pod optedOut = createPod(ns, "web-opted-out", "web", Map.of("keychain.dev/inject", "false"));
    assertTrue(optedOut.getSpec().getInitContainers().isEmpty());
    assertEquals(1, optedOut.getSpec().getContainers().size());
  }

  @Test
  void refusesPodSelectedByTwoInstances() {
    String ns = namespaceWithInstance("ambiguous", "web", "web");
    client.resource(secureInstance(ns, "web-too", "tenant", "edge", "web")).create();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.resources(SecureInstance.class).inNamespace(ns).withName("web-too").get()
                    != null);
    // The webhook's view of instances follows an informer: give it the new instance (a new pod
    // name each attempt, in case an attempt before the informer caught up was admitted).
    java.util.concurrent.atomic.AtomicInteger attempt =
        new java.util.concurrent.atomic.AtomicInteger();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              var e =
                  assertThrows(
                      KubernetesClientException.class,
                      () -> createPod(ns, "web-x" + attempt.incrementAndGet(), "web", Map.of()));
              assertTrue(
                  e.getMessage()
                      .contains("selected by more than one SecureInstance (web, web-too)"),
                  e.getMessage());
            });
  }

  @Test
  void agentEnrolsAndFollowsRotationRestrictionAndRevocation() throws Exception {
    String ns = namespaceWithInstance("lifecycle", "web", "web");
    Fixtures.createAuditLog(client, ns, "audit");
    Pod pod = createPod(ns, "web-0", "web", Map.of());
    Map<String, String> env = agentEnv(pod, token(ns, pod), "lifecycle");

    // Init container: enrols, writes the key, exits 0.
    try (AgentProcess init =
        AgentProcess.start("enrol", env, work.resolve("lifecycle-enrol.log"))) {
      assertEquals(0, init.awaitExit(TIMEOUT), init.log());
    }
    JsonNode first = heldKey(env).orElseThrow();
    byte[] key = Files.readAllBytes(keyDir(env).resolve("key"));
    assertEquals(16, key.length);
    assertEquals(0, first.get("agentEpoch").asLong());
    // The key is the pod's sub key of the chain, as the operator derives it, and the status says
    // so (by key ID) once the acknowledgement is recorded.
    SecureInstance si =
        awaitInstance(
            ns, "web", s -> agent(s, "web-0").map(a -> a.getLastSeen() != null).orElse(false));
    assertEquals(first.get("keyId").asText(), agent(si, "web-0").orElseThrow().getKeyId());
    assertArrayEquals(derive(ns, si, pod, 0), key);

    try (AgentProcess sidecar = AgentProcess.start("run", env, work.resolve("lifecycle-run.log"))) {
      // Restart rotates the sub key: the file changes to epoch 1 and the rotation completes.
      setState(ns, "web", InstanceState.Restart);
      await()
          .atMost(TIMEOUT)
          .until(() -> heldKey(env).map(k -> k.get("agentEpoch").asLong() == 1).orElse(false));
      byte[] rotated = Files.readAllBytes(keyDir(env).resolve("key"));
      assertFalse(java.util.Arrays.equals(key, rotated));
      si =
          awaitInstance(
              ns,
              "web",
              s ->
                  s.getStatus().getSubKeyEpoch() == 1
                      && s.getStatus().getPendingSubKeyEpoch() == null
                      && s.getStatus().getState() == InstanceState.Running);
      assertArrayEquals(derive(ns, si, pod, 1), rotated);

      // Paused: restricted, the agent wipes the key.
      setState(ns, "web", InstanceState.Paused);
      await().atMost(TIMEOUT).until(() -> !Files.exists(keyDir(env).resolve("key")));
      assertTrue(sidecar.isAlive(), sidecar.log());
      assertTrue(sidecar.log().contains("key wiped: restricted"), sidecar.log());

      // Running again: the key comes back.
      setState(ns, "web", InstanceState.Running);
      await().atMost(TIMEOUT).until(() -> Files.exists(keyDir(env).resolve("key")));
      assertArrayEquals(rotated, Files.readAllBytes(keyDir(env).resolve("key")));

      // Deleted: keys revoked; the agent wipes and exits 4.
      setState(ns, "web", InstanceState.Deleted);
      assertEquals(4, sidecar.awaitExit(TIMEOUT), sidecar.log());
      assertFalse(Files.exists(keyDir(env).resolve("key")));
      assertTrue(sidecar.log().contains("revoked"), sidecar.log());
    }
    // And it cannot enrol again.
    try (AgentProcess again =
        AgentProcess.start("enrol", env, work.resolve("lifecycle-again.log"))) {
      assertEquals(4, again.awaitExit(TIMEOUT), again.log());
      assertTrue(again.log().contains("keys revoked"), again.log());
    }
    assertFalse(Files.exists(keyDir(env).resolve("key")));

    // Every decision is in the audit log: what was served, by key ID and epoch, and why not.
    String keyHex = java.util.HexFormat.of().formatHex(key);
    String keyBase64 = java.util.Base64.getEncoder().encodeToString(key);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<String> records = Fixtures.auditRecords(ns, "audit");
              assertTrue(
                  records.stream()
                      .anyMatch(
                          r ->
                              r.contains("\"type\":\"GrantIssued\"")
                                  && r.contains("\"reason\":\"Enrolled\"")
                                  && r.contains("\"subKeyEpoch\":\"0\"")
                                  && r.contains(first.get("keyId").asText())),
                  records.toString());
              assertTrue(
                  records.stream()
                      .anyMatch(
                          r ->
                              r.contains("\"type\":\"GrantIssued\"")
                                  && r.contains("\"reason\":\"Refreshed\"")
                                  && r.contains("\"subKeyEpoch\":\"1\"")),
                  records.toString());
              for (String refusal : List.of("RESTRICTED", "REVOKED")) {
                assertTrue(
                    records.stream()
                        .anyMatch(
                            r ->
                                r.contains("\"type\":\"GrantRefused\"")
                                    && r.contains("\"reason\":\"" + refusal + "\"")
                                    && r.contains("\"name\":\"web-0\"")),
                    refusal + " in " + records);
              }
              assertTrue(
                  records.stream()
                      .noneMatch(
                          r ->
                              r.toLowerCase(java.util.Locale.ROOT).contains(keyHex)
                                  || r.contains(keyBase64)),
                  "no key material in audit records");
            });
  }

  @Test
  void refusesTokenOfPodNotInjectedAndOfDeletedPod() throws Exception {
    String ns = namespaceWithInstance("foreign", "web", "web");
    Pod web = createPod(ns, "web-0", "web", Map.of());
    Pod other = createPod(ns, "db-0", "db", Map.of());
    Map<String, String> env = agentEnv(web, token(ns, other), "foreign");
    try (AgentProcess agent = AgentProcess.start("enrol", env, work.resolve("foreign.log"))) {
      assertEquals(3, agent.awaitExit(TIMEOUT), agent.log());
      assertTrue(agent.log().contains("was not injected with a key-chain agent"), agent.log());
    }
    assertTrue(heldKey(env).isEmpty());

    // A token bound to a pod that was deleted (and recreated under the same name) is refused.
    Pod doomed = createPod(ns, "web-1", "web", Map.of());
    String oldToken = token(ns, doomed);
    client.resource(doomed).withGracePeriod(0).delete();
    await()
        .atMost(TIMEOUT)
        .until(() -> client.pods().inNamespace(ns).withName("web-1").get() == null);
    createPod(ns, "web-1", "web", Map.of());
    Map<String, String> env2 = agentEnv(web, oldToken, "deleted-pod");
    try (AgentProcess agent = AgentProcess.start("enrol", env2, work.resolve("deleted.log"))) {
      assertEquals(3, agent.awaitExit(TIMEOUT), agent.log());
      assertTrue(agent.log().contains("INVALID_TOKEN"), agent.log());
    }
  }

  @Test
  void refusesExpiredToken() throws Exception {
    String ns = namespaceWithInstance("expired", "web", "web");
    Pod pod = createPod(ns, "web-0", "web", Map.of());
    String expired = forgeExpiredToken(ns, pod);
    Map<String, String> env = agentEnv(pod, expired, "expired");
    try (AgentProcess agent = AgentProcess.start("enrol", env, work.resolve("expired.log"))) {
      assertEquals(3, agent.awaitExit(TIMEOUT), agent.log());
      assertTrue(agent.log().contains("agent token rejected"), agent.log());
    }
  }

  @Test
  void refusesReplayedHelloAndConfirm() throws Exception {
    String ns = namespaceWithInstance("replay", "web", "web");
    Pod pod = createPod(ns, "web-0", "web", Map.of());
    String token = token(ns, pod);
    AgentHandshake handshake = InjectedAgents.handshake(token);
    String hello = Wire.toJson(handshake.start());
    HttpResponse<String> first = post(AgentApi.HELLO, hello);
    assertEquals(200, first.statusCode(), first.body());
    HttpResponse<String> replayed = post(AgentApi.HELLO, hello);
    assertEquals(403, replayed.statusCode());
    assertEquals("REPLAYED_NONCE", Wire.parse(replayed.body(), Messages.Refusal.class).reason());

    String confirm =
        Wire.toJson(handshake.onMasterHello(Wire.parse(first.body(), Messages.MasterHello.class)));
    HttpResponse<String> granted = post(AgentApi.CONFIRM, confirm);
    assertEquals(200, granted.statusCode(), granted.body());
    handshake.onGrant(Wire.parse(granted.body(), Messages.KeyGrant.class)).key().destroy();
    HttpResponse<String> again = post(AgentApi.CONFIRM, confirm);
    assertEquals(403, again.statusCode());
    assertEquals("UNEXPECTED_MESSAGE", Wire.parse(again.body(), Messages.Refusal.class).reason());
  }

  @Test
  void agentRejectsForgedOperatorSignature() throws Exception {
    String ns = namespaceWithInstance("forged", "web", "web");
    Pod pod = createPod(ns, "web-0", "web", Map.of());
    String token = token(ns, pod);
    AgentHandshake handshake = InjectedAgents.handshake(token);
    HttpResponse<String> r = post(AgentApi.HELLO, Wire.toJson(handshake.start()));
    Messages.MasterHello real = Wire.parse(r.body(), Messages.MasterHello.class);
    byte[] signature = Base64.getUrlDecoder().decode(real.signature());
    signature[signature.length / 2] ^= 1;
    Messages.MasterHello forged =
        new Messages.MasterHello(
            real.v(),
            real.sessionId(),
            real.ephemeralKey(),
            real.nonce(),
            real.timestamp(),
            real.certificates(),
            Base64.getUrlEncoder().withoutPadding().encodeToString(signature));
    AuthFailure failure = assertThrows(AuthFailure.class, () -> handshake.onMasterHello(forged));
    assertEquals(AuthFailure.Reason.BAD_SIGNATURE, failure.reason());
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return InjectedAgents.post(path, body);
  }

  /** A token signed with the control plane's real ServiceAccount key, expired a minute ago. */
  private String forgeExpiredToken(String ns, Pod pod) throws Exception {
    LocalControlPlane plane = LocalControlPlaneResource.plane();
    String pem = Files.readString(plane.directory().resolve("pki").resolve("sa.key"));
    PrivateKey key =
        KeyFactory.getInstance("RSA")
            .generatePrivate(
                new PKCS8EncodedKeySpec(
                    Base64.getMimeDecoder()
                        .decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""))));
    long now = Instant.now().getEpochSecond();
    var sa = client.serviceAccounts().inNamespace(ns).withName("default").get();
    String claims =
        JSON.writeValueAsString(
            Map.of(
                "iss",
                LocalControlPlane.TOKEN_ISSUER,
                "sub",
                "system:serviceaccount:" + ns + ":default",
                "aud",
                java.util.List.of(AUDIENCE),
                "iat",
                now - 700,
                "nbf",
                now - 700,
                "exp",
                now - 60,
                "kubernetes.io",
                Map.of(
                    "namespace", ns,
                    "pod",
                        Map.of(
                            "name", pod.getMetadata().getName(),
                            "uid", pod.getMetadata().getUid()),
                    "serviceaccount",
                        Map.of("name", "default", "uid", sa.getMetadata().getUid()))));
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(key);
    rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + b64.encodeToString(rsa.sign());
  }

  private byte[] derive(String ns, SecureInstance si, Pod pod, long epoch) {
    KeyChain chain = client.resources(KeyChain.class).inNamespace(ns).withName("tenant").get();
    try (OpenChain open = vault.open(chain);
        ChainKey k =
            open.subKey(
                si.getStatus().getClusterGroup(),
                si.getStatus().getGroupEpoch(),
                AgentIdentity.of(si, pod),
                epoch,
                SubKeySize.ofBits(128))) {
      return k.secret(SecretAccess.grant()).toByteArray(SecretAccess.grant());
    }
  }

  private static Optional<AgentStatus> agent(SecureInstance si, String pod) {
    return si.getStatus().getAgents().stream().filter(a -> pod.equals(a.getPod())).findFirst();
  }

  private void setState(String ns, String name, InstanceState state) {
    dev.keychain.operator.testing.Fixtures.setState(client, ns, name, state);
  }
}
