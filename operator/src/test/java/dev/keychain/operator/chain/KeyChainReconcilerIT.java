package dev.keychain.operator.chain;

import static dev.keychain.operator.testing.Fixtures.createTenantShare;
import static dev.keychain.operator.testing.Fixtures.isReady;
import static dev.keychain.operator.testing.Fixtures.keyChain;
import static dev.keychain.operator.testing.Fixtures.ready;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.KeyDerivation;
import dev.keychain.core.chain.KeyId;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.envelope.Envelope;
import dev.keychain.core.envelope.SealedKey;
import dev.keychain.core.envelope.SecretKeyProvider;
import dev.keychain.operator.api.v1alpha1.ClusterGroupSpec;
import dev.keychain.operator.api.v1alpha1.GroupStatus;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.RotationSpec;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalControlPlaneResource.class, restrictToAnnotatedClass = false)
class KeyChainReconcilerIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Inject KubernetesClient client;
  @Inject ChainVault vault;

  private KeyChain get(String ns, String name) {
    return client.resources(KeyChain.class).inNamespace(ns).withName(name).get();
  }

  private KeyChain awaitReady(String ns, String name) {
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                get(ns, name) != null
                    && get(ns, name).getStatus() != null
                    && isReady(get(ns, name).getStatus().getConditions()));
    return get(ns, name);
  }

  private String createReadyChain(String ns, String... groups) {
    createTenantShare(client, ns, "tenant-share");
    client.resource(keyChain(ns, "tenant", "tenant-share", groups)).create();
    awaitReady(ns, "tenant");
    return "tenant";
  }

  @Test
  void chainBecomesReadyWithSealedKeysAndOnlyKeyIdsInStatus() {
    String ns = LocalControlPlaneResource.newNamespace("kc-ready");
    createReadyChain(ns, "A", "B");
    KeyChain chain = get(ns, "tenant");
    assertEquals(chain.getMetadata().getGeneration(), chain.getStatus().getObservedGeneration());
    assertEquals("k8s-secret/v1", chain.getStatus().getKekId());
    assertEquals(2, chain.getStatus().getGroupCount());
    assertEquals(0L, chain.getStatus().getRootEpoch());
    List<GroupStatus> groups = chain.getStatus().getGroups();
    assertEquals(List.of("A", "B"), groups.stream().map(GroupStatus::getName).toList());
    groups.forEach(g -> assertTrue(g.getKeyId().matches("[0-9a-f]{64}"), g.getKeyId()));
    assertNotEquals(groups.get(0).getKeyId(), groups.get(1).getKeyId());

    // Open the sealed session key as a verifier would (KEK + tenant share), and check that the
    // status shows the IDs of exactly the keys it derives, and that the key is nowhere in plain.
    Secret sealedSecret = client.secrets().inNamespace(ns).withName("tenant-keychain").get();
    assertEquals("keychain.dev/sealed-chain", sealedSecret.getType());
    assertEquals("KeyChain", sealedSecret.getMetadata().getOwnerReferences().get(0).getKind());
    SealedKey sealed =
        SealedKey.parse(
            new String(
                Base64.getDecoder().decode(sealedSecret.getData().get("session")),
                StandardCharsets.UTF_8));
    try (SecretBytes sk = openSession(ns, chain, sealed)) {
      ChainKey session = KeyDerivation.session(ns + "/tenant", 0, Instant.EPOCH, sk);
      assertEquals(chain.getStatus().getSessionNumber(), session.keyId().hex());
      ChainKey root = KeyDerivation.root(session, 0, Instant.now());
      assertEquals(chain.getStatus().getChainKeyId(), root.keyId().hex());
      assertEquals(
          groups.get(0).getKeyId(), KeyDerivation.group(root, "A", 0, Instant.now()).keyId().hex());
      String hex = sk.apply(SecretAccess.grant(), HexFormat.of()::formatHex);
      String b64 = sk.apply(SecretAccess.grant(), Base64.getEncoder()::encodeToString);
      String everything =
          client.resources(KeyChain.class).inNamespace(ns).withName("tenant").get().toString()
              + sealedSecret.getData()
              + client.v1().events().inNamespace(ns).list().getItems();
      assertFalse(everything.contains(hex));
      assertFalse(everything.contains(b64));
    }
    assertTrue(
        client.v1().events().inNamespace(ns).list().getItems().stream()
            .anyMatch(e -> "ChainCreated".equals(e.getReason())));
  }

  private SecretBytes openSession(String ns, KeyChain chain, SealedKey sealed) {
    Map<String, byte[]> kek = new HashMap<>();
    client
        .secrets()
        .inNamespace(ns)
        .withName("keychain-kek")
        .get()
        .getData()
        .forEach((k, v) -> kek.put(k, Base64.getDecoder().decode(v)));
    SecretBytes share =
        SecretBytes.adopt(
            Base64.getDecoder()
                .decode(
                    client
                        .secrets()
                        .inNamespace(ns)
                        .withName("tenant-share")
                        .get()
                        .getData()
                        .get("share")),
            SecretAccess.grant());
    return Envelope.open(
        SecretKeyProvider.fromSecretData("kek", kek),
        sealed,
        share,
        ChainVault.sessionContext(chain, KeyId.parse(chain.getStatus().getSessionNumber())));
  }

  @Test
  void rotationRequestRotatesEveryGroupKeyOnce() {
    String ns = LocalControlPlaneResource.newNamespace("kc-rotate");
    createReadyChain(ns, "A", "B");
    KeyChain before = get(ns, "tenant");
    RotationSpec rotation = new RotationSpec();
    rotation.setRequestId("2026-11-23");
    client
        .resources(KeyChain.class)
        .inNamespace(ns)
        .withName("tenant")
        .edit(
            kc -> {
              kc.getSpec().setRotation(rotation);
              return kc;
            });
    await()
        .atMost(TIMEOUT)
        .until(() -> "2026-11-23".equals(get(ns, "tenant").getStatus().getLastRotationRequestId()));
    KeyChain after = get(ns, "tenant");
    for (int i = 0; i < 2; i++) {
      assertEquals(1L, after.getStatus().getGroups().get(i).getEpoch());
      assertNotEquals(
          before.getStatus().getGroups().get(i).getKeyId(),
          after.getStatus().getGroups().get(i).getKeyId());
    }
    assertEquals(before.getStatus().getSessionNumber(), after.getStatus().getSessionNumber());
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.v1().events().inNamespace(ns).list().getItems().stream()
                        .filter(e -> "GroupKeyRotated".equals(e.getReason()))
                        .count()
                    == 2);
  }

  @Test
  void metricsEndpointCountsReconcilesAndRotations() {
    String ns = LocalControlPlaneResource.newNamespace("kc-metrics");
    createReadyChain(ns, "A");
    RotationSpec rotation = new RotationSpec();
    rotation.setRequestId("metrics");
    client
        .resources(KeyChain.class)
        .inNamespace(ns)
        .withName("tenant")
        .edit(
            kc -> {
              kc.getSpec().setRotation(rotation);
              return kc;
            });
    await()
        .atMost(TIMEOUT)
        .until(() -> "metrics".equals(get(ns, "tenant").getStatus().getLastRotationRequestId()));
    String body =
        io.restassured.RestAssured.get("/metrics").then().statusCode(200).extract().asString();
    assertTrue(
        body.contains("keychain_reconciles_total{kind=\"KeyChain\",result=\"success\"}"), body);
    assertTrue(body.contains("keychain_rotations_total{level=\"group\",result=\"success\"}"), body);
    assertTrue(
        body.contains(
            "keychain_group_key_epoch_age_seconds{chain=\"tenant\",group=\"A\",namespace=\""
                + ns
                + "\"}"),
        body);
    String session = get(ns, "tenant").getStatus().getSessionNumber();
    assertFalse(body.contains(session), "metrics name no keys, not even IDs of session keys");
  }

  @Test
  void newKekVersionRewrapsTheSealedKeysWithoutChangingThem() {
    String ns = LocalControlPlaneResource.newNamespace("kc-rewrap");
    createReadyChain(ns, "A");
    KeyChain before = get(ns, "tenant");
    Secret kek = client.secrets().inNamespace(ns).withName("keychain-kek").get();
    Map<String, byte[]> raw = new HashMap<>();
    kek.getData().forEach((k, v) -> raw.put(k, Base64.getDecoder().decode(v)));
    Map<String, String> rotated = new HashMap<>();
    SecretKeyProvider.fromSecretData("kek", raw)
        .withNewKek()
        .forEach((k, v) -> rotated.put(k, Base64.getEncoder().encodeToString(v)));
    client
        .secrets()
        .inNamespace(ns)
        .withName("keychain-kek")
        .edit(
            s -> {
              s.setData(rotated);
              return s;
            });
    await()
        .atMost(TIMEOUT)
        .until(() -> "k8s-secret/v2".equals(get(ns, "tenant").getStatus().getKekId()));
    KeyChain after = get(ns, "tenant");
    assertEquals(before.getStatus().getSessionNumber(), after.getStatus().getSessionNumber());
    assertEquals(
        before.getStatus().getGroups().get(0).getKeyId(),
        after.getStatus().getGroups().get(0).getKeyId());
    String stored =
        new String(
            Base64.getDecoder()
                .decode(
                    client
                        .secrets()
                        .inNamespace(ns)
                        .withName("tenant-keychain")
                        .get()
                        .getData()
                        .get("session")),
            StandardCharsets.UTF_8);
    assertTrue(stored.startsWith("kc1.k8s-secret/v2."), stored.substring(0, 20));
  }

  @Test
  void missingTenantShareIsReportedUntilItAppears() {
    String ns = LocalControlPlaneResource.newNamespace("kc-share");
    client.resource(keyChain(ns, "tenant", "not-yet", "A")).create();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                get(ns, "tenant").getStatus() != null
                    && ready(get(ns, "tenant").getStatus().getConditions()) != null);
    var condition = ready(get(ns, "tenant").getStatus().getConditions());
    assertEquals("False", condition.getStatus());
    assertEquals("TenantShareMissing", condition.getReason());
    assertTrue(condition.getMessage().contains("Secret not-yet"), condition.getMessage());
    assertNull(client.secrets().inNamespace(ns).withName("tenant-keychain").get());
    createTenantShare(client, ns, "not-yet");
    awaitReady(ns, "tenant");
  }

  @Test
  void rotationInterruptedAfterItsFirstPhaseCompletesExactlyOnce() {
    String ns = LocalControlPlaneResource.newNamespace("kc-crash");
    createReadyChain(ns, "A", "B");
    KeyChain chain = get(ns, "tenant");
    // What an operator that died right after phase one leaves behind: a pending epoch for A.
    SealedChain sealed = vault.read(chain).orElseThrow();
    vault.store(chain, sealed, GroupEpochs.issue(sealed.state(), Set.of("A"), null));
    assertEquals(1L, vault.read(chain).orElseThrow().state().groups().get("A").pendingEpoch());
    // Any reconcile (here: a new group) completes it; B is untouched.
    client
        .resources(KeyChain.class)
        .inNamespace(ns)
        .withName("tenant")
        .edit(
            kc -> {
              kc.getSpec()
                  .setGroups(
                      List.of(
                          new ClusterGroupSpec("A"),
                          new ClusterGroupSpec("B"),
                          new ClusterGroupSpec("C")));
              return kc;
            });
    await().atMost(TIMEOUT).until(() -> get(ns, "tenant").getStatus().getGroupCount() == 3);
    KeyChain after = get(ns, "tenant");
    assertEquals(1L, after.getStatus().getGroups().get(0).getEpoch());
    assertEquals(0L, after.getStatus().getGroups().get(1).getEpoch());
    assertNull(vault.read(after).orElseThrow().state().groups().get("A").pendingEpoch());
  }

  @Test
  void deletingTheChainDeletesItsSealedKeys() {
    String ns = LocalControlPlaneResource.newNamespace("kc-delete");
    createReadyChain(ns, "A");
    assertNotNull(client.secrets().inNamespace(ns).withName("tenant-keychain").get());
    client.resources(KeyChain.class).inNamespace(ns).withName("tenant").delete();
    await().atMost(TIMEOUT).until(() -> get(ns, "tenant") == null);
    assertNull(client.secrets().inNamespace(ns).withName("tenant-keychain").get());
  }

  @Test
  void invalidChainsAreRejectedByTheApiServerWithClearMessages() {
    String ns = LocalControlPlaneResource.newNamespace("kc-invalid");
    assertRejected(keyChain(ns, "dup", "s", "A", "A"), "group names must be unique");
    assertRejected(keyChain(ns, "none", "s"), "spec.groups");
    assertRejected(keyChain(ns, "bad-group", "s", "not a name"), "spec.groups[0].name");
    KeyChain bits = keyChain(ns, "bits", "s", "A");
    bits.getSpec().setSubKeyBits(192);
    assertRejected(bits, "subKeyBits must be 128 or 256");
    KeyChain provider = keyChain(ns, "provider", "s", "A");
    provider.getSpec().getMasterKey().setProvider("vault");
    assertRejected(provider, "provider must be kubernetes-secret or pkcs11");
    KeyChain noShare = keyChain(ns, "no-share", "s", "A");
    noShare.getSpec().setTenantShareSecretRef(null);
    assertRejected(noShare, "spec.tenantShareSecretRef");
    RotationSpec badPeriod = new RotationSpec();
    badPeriod.setGroupKeyPeriod("a month");
    KeyChain period = keyChain(ns, "period", "s", "A");
    period.getSpec().setRotation(badPeriod);
    assertRejected(period, "spec.rotation.groupKeyPeriod");
  }

  private void assertRejected(KeyChain chain, String expected) {
    KubernetesClientException e =
        assertThrows(KubernetesClientException.class, () -> client.resource(chain).create());
    assertEquals(422, e.getCode(), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
