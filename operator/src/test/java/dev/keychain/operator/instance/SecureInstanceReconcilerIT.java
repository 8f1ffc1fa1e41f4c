package dev.keychain.operator.instance;

import static dev.keychain.operator.testing.Fixtures.auditRecords;
import static dev.keychain.operator.testing.Fixtures.createAuditLog;
import static dev.keychain.operator.testing.Fixtures.createTenantShare;
import static dev.keychain.operator.testing.Fixtures.isReady;
import static dev.keychain.operator.testing.Fixtures.keyChain;
import static dev.keychain.operator.testing.Fixtures.ready;
import static dev.keychain.operator.testing.Fixtures.secureInstance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.chain.SubKeySize;
import dev.keychain.core.keyset.InstanceKeys;
import dev.keychain.core.lifecycle.InstanceState;
import dev.keychain.operator.api.v1alpha1.AgentStatus;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.chain.ChainVault;
import dev.keychain.operator.chain.Keysets;
import dev.keychain.operator.chain.OpenChain;
import dev.keychain.operator.pods.AgentPodAnnotations;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalControlPlaneResource.class, restrictToAnnotatedClass = false)
class SecureInstanceReconcilerIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @Inject KubernetesClient client;
  @Inject ChainVault vault;
  @Inject Keysets keysets;

  private String namespaceWithChain(String prefix, String... groups) {
    String ns = namespaceWithShare(prefix);
    createChain(ns, groups);
    return ns;
  }

  private String namespaceWithShare(String prefix) {
    String ns = LocalControlPlaneResource.newNamespace(prefix);
    LocalControlPlaneResource.plane().awaitServiceAccount(ns, "default");
    createTenantShare(client, ns, "tenant-share");
    return ns;
  }

  private void createChain(String ns, String... groups) {
    client.resource(keyChain(ns, "tenant", "tenant-share", groups)).create();
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              KeyChain kc =
                  client.resources(KeyChain.class).inNamespace(ns).withName("tenant").get();
              return kc.getStatus() != null && isReady(kc.getStatus().getConditions());
            });
  }

  private SecureInstance get(String ns, String name) {
    return client.resources(SecureInstance.class).inNamespace(ns).withName(name).get();
  }

  private SecureInstance awaitInstance(
      String ns, String name, Predicate<SecureInstance> condition) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              SecureInstance si = get(ns, name);
              return si != null && si.getStatus() != null && condition.test(si);
            });
    return get(ns, name);
  }

  private void setState(String ns, String name, InstanceState state) {
    dev.keychain.operator.testing.Fixtures.setState(client, ns, name, state);
  }

  private SecureInstance restartToEpochOne(String ns, String name) {
    return restartToEpoch(ns, name, 1);
  }

  private SecureInstance restartToEpoch(String ns, String name, long epoch) {
    setState(ns, name, InstanceState.Restart);
    return awaitInstance(
        ns,
        name,
        si ->
            si.getStatus().getState() == InstanceState.Running
                && Long.valueOf(epoch).equals(si.getStatus().getSubKeyEpoch()));
  }

  /** A pod of instance {@code app} as the injection webhook leaves it (label and annotation). */
  private void createPod(String ns, String name, String app) {
    createPod(ns, name, app, true);
  }

  private void createPod(String ns, String name, String app, boolean injected) {
    var metadata =
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(name)
            .withNamespace(ns)
            .addToLabels("app", app);
    if (injected) {
      metadata
          .addToLabels(AgentPodAnnotations.AGENT_LABEL, "injected")
          .addToAnnotations(AgentPodAnnotations.INSTANCE, app);
    }
    client
        .resource(
            new PodBuilder()
                .withMetadata(metadata.build())
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("registry.invalid/app:1")
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  @Test
  void instanceWalksThroughEveryLifecycleState() {
    String ns = namespaceWithChain("si-life", "A");
    client.resource(secureInstance(ns, "app", "tenant", "A", "app")).create();
    SecureInstance running =
        awaitInstance(ns, "app", si -> isReady(si.getStatus().getConditions()));
    assertEquals(InstanceState.Running, running.getStatus().getState());
    assertEquals(false, running.getStatus().getRestricted());
    assertEquals(3, running.getStatus().getAuthorityLevel());
    assertEquals("A", running.getStatus().getClusterGroup());
    assertNotNull(running.getStatus().getTimestamps().getCreated());
    KeyChain chain = client.resources(KeyChain.class).inNamespace(ns).withName("tenant").get();
    assertEquals(chain.getStatus().getSessionNumber(), running.getStatus().getSessionNumber());

    setState(ns, "app", InstanceState.Paused);
    SecureInstance paused =
        awaitInstance(ns, "app", si -> si.getStatus().getState() == InstanceState.Paused);
    assertEquals(true, paused.getStatus().getRestricted());
    assertEquals("KeysRestricted", ready(paused.getStatus().getConditions()).getReason());

    setState(ns, "app", InstanceState.Running);
    awaitInstance(
        ns,
        "app",
        si ->
            si.getStatus().getState() == InstanceState.Running && !si.getStatus().getRestricted());

    SecureInstance restarted = restartToEpochOne(ns, "app");
    assertNull(restarted.getStatus().getPendingSubKeyEpoch());

    setState(ns, "app", InstanceState.Stopped);
    SecureInstance stopped =
        awaitInstance(ns, "app", si -> si.getStatus().getState() == InstanceState.Stopped);
    assertEquals(true, stopped.getStatus().getRestricted());
    assertNotEquals(
        stopped.getStatus().getTimestamps().getCreated(),
        stopped.getStatus().getTimestamps().getChanged());

    setState(ns, "app", InstanceState.Deleted);
    await().atMost(TIMEOUT).until(() -> get(ns, "app") == null);
    List<String> reasons =
        client.v1().events().inNamespace(ns).list().getItems().stream()
            .filter(e -> "app".equals(e.getInvolvedObject().getName()))
            .map(e -> e.getReason())
            .toList();
    for (String expected :
        List.of("KeysGranted", "KeysRestricted", "SubKeysRotating", "KeysRevoked")) {
      assertTrue(reasons.contains(expected), expected + " not in " + reasons);
    }
  }

  @Test
  void statusDeletedRestoredOrPatchedIsRewrittenFromTheKeyset() throws Exception {
    String ns = namespaceWithChain("si-truth", "A");
    createAuditLog(client, ns, "audit");
    client.resource(secureInstance(ns, "app", "tenant", "A", "app")).create();
    SecureInstance epochZero =
        awaitInstance(ns, "app", si -> isReady(si.getStatus().getConditions()));
    restartToEpochOne(ns, "app");
    KeyChain chain = client.resources(KeyChain.class).inNamespace(ns).withName("tenant").get();
    await().atMost(TIMEOUT).until(() -> storedRow(chain, ns, "app").subKeyEpoch() == 1);
    InstanceKeys truth = storedRow(chain, ns, "app");

    // Restored from an older copy: the status as it was at epoch 0.
    SecureInstance restore = get(ns, "app");
    restore.setStatus(epochZero.getStatus());
    client.resource(restore).updateStatus();
    awaitCorrected(ns, chain, truth, 1);

    // Patched to an older epoch by someone allowed to patch status.
    client
        .resources(SecureInstance.class)
        .inNamespace(ns)
        .withName("app")
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"subKeyEpoch\":0}}");
    awaitCorrected(ns, chain, truth, 2);

    // Deleted outright.
    client
        .resources(SecureInstance.class)
        .inNamespace(ns)
        .withName("app")
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":null}");
    awaitCorrected(ns, chain, truth, 3);

    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertTrue(
                    auditRecords(ns, "audit").stream()
                            .filter(r -> r.contains("StatusCorrected"))
                            .count()
                        >= 3,
                    "three StatusCorrected audit records"));
  }

  @Test
  void instanceOfAnOlderReleaseIsAdoptedFromItsStatus() {
    // As an older release left it: the key state in status only (it had rotated the instance's
    // sub keys three times). Its chain appears only now, so nothing reconciles it before.
    String ns = namespaceWithShare("si-upgrade");
    client.resource(secureInstance(ns, "app", "tenant", "A", "app")).create();
    awaitInstance(ns, "app", si -> !isReady(si.getStatus().getConditions()));
    client
        .resources(SecureInstance.class)
        .inNamespace(ns)
        .withName("app")
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\":{\"state\":\"Running\",\"restricted\":false,\"clusterGroup\":\"A\","
                + "\"timestamps\":{\"created\":\"2026-01-01T00:00:00Z\","
                + "\"changed\":\"2026-01-01T00:00:00Z\",\"last\":\"2026-01-01T00:00:00Z\"},"
                + "\"subKeyEpoch\":3,\"restartedGeneration\":1}}");
    createChain(ns, "A");

    SecureInstance adopted =
        awaitInstance(ns, "app", si -> isReady(si.getStatus().getConditions()));
    assertEquals(3, adopted.getStatus().getSubKeyEpoch());
    assertEquals("2026-01-01T00:00:00Z", adopted.getStatus().getTimestamps().getCreated());
    KeyChain chain = client.resources(KeyChain.class).inNamespace(ns).withName("tenant").get();
    await().atMost(TIMEOUT).until(() -> storedRow(chain, ns, "app").subKeyEpoch() == 3);
    assertEquals(1, storedRow(chain, ns, "app").restartedGeneration());
    assertTrue(
        client.v1().events().inNamespace(ns).list().getItems().stream()
            .anyMatch(e -> "AdoptedFromStatus".equals(e.getReason())));
    // From now on the keyset decides, and epochs go on upwards from the adopted one.
    restartToEpoch(ns, "app", 4);
    await().atMost(TIMEOUT).until(() -> storedRow(chain, ns, "app").subKeyEpoch() == 4);
  }

  /** The row grants read: the chain keyset as every replica's informer holds it. */
  private InstanceKeys storedRow(KeyChain chain, String ns, String name) {
    return keysets
        .get(ns, chain.getMetadata().getName())
        .orElseThrow()
        .instances()
        .get(ns, name)
        .orElseThrow();
  }

  private void awaitCorrected(String ns, KeyChain chain, InstanceKeys truth, int warnings) {
    SecureInstance corrected =
        awaitInstance(
            ns,
            "app",
            si ->
                Long.valueOf(truth.subKeyEpoch()).equals(si.getStatus().getSubKeyEpoch())
                    && si.getStatus().getState() == truth.state()
                    && si.getStatus().getTimestamps() != null
                    && truth
                        .row()
                        .timestamps()
                        .changed()
                        .toString()
                        .equals(si.getStatus().getTimestamps().getChanged()));
    assertEquals(truth.restartedGeneration(), corrected.getStatus().getRestartedGeneration());
    assertNull(corrected.getStatus().getPendingSubKeyEpoch());
    // The store of record never moved, so agents are still granted the current epoch.
    assertEquals(truth, storedRow(chain, ns, "app"));
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.v1().events().inNamespace(ns).list().getItems().stream()
                        .filter(
                            e ->
                                "StatusCorrected".equals(e.getReason())
                                    && "Warning".equals(e.getType()))
                        .count()
                    >= warnings);
  }

  @Test
  void agentsGetStableNumbersAndTheKeyIdsTheChainDerives() {
    String ns = namespaceWithChain("si-agents", "A");
    createPod(ns, "web-0", "web");
    createPod(ns, "web-1", "web");
    createPod(ns, "other", "other");
    createPod(ns, "web-plain", "web", false); // selected, but runs no agent: not one of them
    client.resource(secureInstance(ns, "web", "tenant", "A", "web")).create();
    SecureInstance si =
        awaitInstance(
            ns,
            "web",
            s -> s.getStatus().getAgentCount() != null && s.getStatus().getAgentCount() == 2);
    KeyChain chain = client.resources(KeyChain.class).inNamespace(ns).withName("tenant").get();
    try (OpenChain open = vault.open(chain)) {
      for (AgentStatus agent : si.getStatus().getAgents()) {
        Pod pod = client.pods().inNamespace(ns).withName(agent.getPod()).get();
        assertEquals(
            open.subKey("A", 0, AgentIdentity.of(si, pod), 0, SubKeySize.BITS_128).keyId().hex(),
            agent.getKeyId());
      }
    }
    assertEquals(
        List.of(1, 2),
        si.getStatus().getAgents().stream().map(AgentStatus::getAgentNumber).sorted().toList());
    createPod(ns, "web-2", "web");
    SecureInstance three = awaitInstance(ns, "web", s -> s.getStatus().getAgentCount() == 3);
    assertEquals(
        3,
        three.getStatus().getAgents().stream()
            .filter(a -> a.getPod().equals("web-2"))
            .findFirst()
            .orElseThrow()
            .getAgentNumber());

    setState(ns, "web", InstanceState.Paused);
    SecureInstance paused =
        awaitInstance(ns, "web", s -> s.getStatus().getState() == InstanceState.Paused);
    paused
        .getStatus()
        .getAgents()
        .forEach(
            a -> {
              assertNull(a.getKeyId());
              assertEquals(true, a.getRestricted());
            });
  }

  @Test
  void movingToAnotherGroupReKeysTheAgents() {
    String ns = namespaceWithChain("si-move", "A", "B");
    createPod(ns, "db-0", "db");
    client.resource(secureInstance(ns, "db", "tenant", "A", "db")).create();
    SecureInstance before =
        awaitInstance(
            ns,
            "db",
            s -> s.getStatus().getAgentCount() != null && s.getStatus().getAgentCount() == 1);
    client
        .resources(SecureInstance.class)
        .inNamespace(ns)
        .withName("db")
        .edit(
            si -> {
              si.getSpec().setClusterGroup("B");
              return si;
            });
    SecureInstance after =
        awaitInstance(ns, "db", s -> "B".equals(s.getStatus().getClusterGroup()));
    assertNotNull(after.getStatus().getTimestamps().getMoved());
    assertNotEquals(
        before.getStatus().getAgents().get(0).getKeyId(),
        after.getStatus().getAgents().get(0).getKeyId());
    assertTrue(
        client.v1().events().inNamespace(ns).list().getItems().stream()
            .anyMatch(e -> "MovedGroup".equals(e.getReason())));
  }

  @Test
  void groupTheChainLacksIsReportedClearly() {
    String ns = namespaceWithChain("si-group", "A");
    client.resource(secureInstance(ns, "lost", "tenant", "Z", "lost")).create();
    SecureInstance si =
        awaitInstance(ns, "lost", s -> ready(s.getStatus().getConditions()) != null);
    var condition = ready(si.getStatus().getConditions());
    assertEquals("False", condition.getStatus());
    assertEquals("UnknownGroup", condition.getReason());
    assertTrue(
        condition
            .getMessage()
            .contains("cluster group Z is not a group of KeyChain tenant (groups: A)"),
        condition.getMessage());
  }

  @Test
  void invalidInstancesAreRejectedByTheApiServer() {
    String ns = LocalControlPlaneResource.newNamespace("si-invalid");
    SecureInstance noSelector = secureInstance(ns, "a", "tenant", "A", "x");
    noSelector.getSpec().setSelector(null);
    assertRejected(noSelector, "spec.selector");
    SecureInstance badGroup = secureInstance(ns, "b", "tenant", "no spaces", "x");
    assertRejected(badGroup, "spec.clusterGroup");
    // Unknown states are refused by the schema's enum (sent raw, since the model has an enum).
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () ->
                client
                    .resource(
                        new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                            .withApiVersion("keychain.dev/v1alpha1")
                            .withKind("SecureInstance")
                            .withNewMetadata()
                            .withName("c")
                            .withNamespace(ns)
                            .endMetadata()
                            .addToAdditionalProperties(
                                "spec",
                                java.util.Map.of(
                                    "keyChain",
                                    "tenant",
                                    "clusterGroup",
                                    "A",
                                    "selector",
                                    java.util.Map.of("matchLabels", java.util.Map.of("app", "x")),
                                    "state",
                                    "Hibernating"))
                            .build())
                    .create());
    assertEquals(422, e.getCode());
    assertTrue(
        e.getMessage().contains("spec.state") && e.getMessage().contains("Hibernating"),
        e.getMessage());

    SecureInstance ok = secureInstance(ns, "d", "tenant", "A", "x");
    ok.getSpec().setState(InstanceState.Deleted);
    client.resource(ok).create();
    // A merge patch carries no resourceVersion, so only the CEL transition rule can refuse it.
    KubernetesClientException back =
        assertThrows(
            KubernetesClientException.class,
            () ->
                client
                    .resources(SecureInstance.class)
                    .inNamespace(ns)
                    .withName("d")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"state\":\"Running\"}}"));
    assertEquals(422, back.getCode(), back.getMessage());
    assertTrue(
        back.getMessage().contains("a Deleted instance cannot be brought back"), back.getMessage());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void assertRejected(SecureInstance si, String expected) {
    KubernetesClientException e =
        assertThrows(KubernetesClientException.class, () -> client.resource(si).create());
    assertEquals(422, e.getCode(), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void twoHundredInstancesAreReconciledConcurrently() {
    String ns = namespaceWithChain("si-many", "A", "B");
    IntStream.range(0, 200)
        .parallel()
        .forEach(
            i ->
                client
                    .resource(
                        secureInstance(
                            ns, "app-" + i, "tenant", i % 2 == 0 ? "A" : "B", "app-" + i))
                    .create());
    await()
        .atMost(Duration.ofSeconds(180))
        .until(
            () ->
                client.resources(SecureInstance.class).inNamespace(ns).list().getItems().stream()
                        .filter(
                            si -> si.getStatus() != null && isReady(si.getStatus().getConditions()))
                        .count()
                    == 200);
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              var groups =
                  client
                      .resources(KeyChain.class)
                      .inNamespace(ns)
                      .withName("tenant")
                      .get()
                      .getStatus()
                      .getGroups();
              return groups.stream().mapToInt(g -> g.getMembers()).sum() == 200;
            });
  }
}
