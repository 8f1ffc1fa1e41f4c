package dev.keychain.operator.share;

import static dev.keychain.operator.testing.Fixtures.secureInstance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.auth.AgentApi;
import dev.keychain.core.auth.AgentHandshake;
import dev.keychain.core.auth.MasterTrust;
import dev.keychain.core.auth.Messages;
import dev.keychain.core.auth.Wire;
import dev.keychain.operator.api.v1alpha1.KeyShare;
import dev.keychain.operator.api.v1alpha1.KeyShareSpec;
import dev.keychain.operator.api.v1alpha1.SecretKeyRef;
import dev.keychain.operator.api.v1alpha1.ShareItemSpec;
import dev.keychain.operator.api.v1alpha1.ShareRecipientSpec;
import dev.keychain.operator.testing.Fixtures;
import dev.keychain.operator.testing.InjectedAgents;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.operator.testing.Webhooks;
import dev.keychain.testing.fixtures.AgentProcess;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * KeyShare delivery end to end on the real API server: the real agent program of an owner pod and
 * of a recipient pod in another namespace (started with their pods' bound tokens) both receive the
 * same item with its one-time key over the handshake; a recipient removed loses it at the next
 * version while the owner moves on to it; every delivery is audited; an agent that does not ask for
 * shares still gets its bare key grant.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalControlPlaneResource.class, restrictToAnnotatedClass = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyShareDeliveryIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final String AUDIENCE = "keychain.dev/agent";

  @Inject KubernetesClient client;
  @Inject dev.keychain.operator.instance.InstanceIndex instances;

  private final Path work = Path.of("target", "keyshare-delivery-it");

  @BeforeAll
  void registerWebhook() {
    Webhooks.registerInjection(client);
  }

  private String tenant(String prefix, String instance) {
    String ns = LocalControlPlaneResource.newNamespace(prefix);
    LocalControlPlaneResource.plane().awaitServiceAccount(ns, "default");
    Webhooks.enableInjection(client, ns);
    Fixtures.createReadyTenant(client, ns, instance);
    return ns;
  }

  private Pod pod(String ns, String name, String app) {
    // the webhook sees instances through its own informer
    await().atMost(TIMEOUT).until(() -> !instances.selecting(ns, Map.of("app", app)).isEmpty());
    Pod pod = client.resource(Fixtures.appPod(ns, name, app, Map.of())).create();
    assertTrue(
        pod.getSpec().getInitContainers().stream()
            .anyMatch(c -> c.getName().equals("keychain-agent-init")),
        "injected");
    return pod;
  }

  private Map<String, String> env(Pod pod, String name) throws Exception {
    String token =
        LocalControlPlaneResource.plane()
            .boundToken(pod.getMetadata().getNamespace(), "default", pod, AUDIENCE, 600);
    return InjectedAgents.environment(pod, token, work, name);
  }

  private static Path shareDir(Map<String, String> env, String ownerNs) {
    return InjectedAgents.keyDir(env).resolve("shares").resolve(ownerNs).resolve("db");
  }

  private static Optional<String> item(Map<String, String> env, String ownerNs) {
    Path item = shareDir(env, ownerNs).resolve("item");
    try {
      return Files.exists(item) ? Optional.of(Files.readString(item)) : Optional.empty();
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  private static ShareRecipientSpec recipient(String ns, String instance) {
    ShareRecipientSpec r = new ShareRecipientSpec();
    r.setNamespace(ns);
    r.setInstance(instance);
    return r;
  }

  private KeyShare share(String ns, List<ShareRecipientSpec> recipients) {
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName("db");
    ref.setKey("password");
    ShareItemSpec item = new ShareItemSpec();
    item.setSecretRef(ref);
    KeyShare share = new KeyShare();
    share.getMetadata().setName("db");
    share.getMetadata().setNamespace(ns);
    KeyShareSpec spec = new KeyShareSpec();
    spec.setOwner("web");
    spec.setItem(item);
    spec.setRecipients(recipients);
    share.setSpec(spec);
    return share;
  }

  @Test
  void ownerAndRecipientAgentsReadTheItemAndARemovedRecipientLosesIt() throws Exception {
    String owner = tenant("share-owner", "web");
    client.resource(secureInstance(owner, "cart", "tenant", "edge", "cart")).create();
    String other = tenant("share-recipient", "api");
    Fixtures.createAuditLog(client, other, "audit");
    client
        .namespaces()
        .withName(other)
        .edit(
            n -> {
              n.getMetadata().getLabels().put(KeyShareReconciler.ACCEPT_LABEL_PREFIX + owner, "db");
              return n;
            });
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("db")
                .withNamespace(owner)
                .addToLabels(ShareItems.SHAREABLE_LABEL, "true")
                .endMetadata()
                .addToStringData("password", "pw-of-the-shop-db")
                .build())
        .create();
    client
        .resource(share(owner, List.of(recipient(other, "api"), recipient(owner, "cart"))))
        .create();

    Map<String, String> webEnv = env(pod(owner, "web-0", "web"), "web-0");
    Map<String, String> apiEnv = env(pod(other, "api-0", "api"), "api-0");
    try (AgentProcess web = AgentProcess.start("run", webEnv, work.resolve("web.log"));
        AgentProcess api = AgentProcess.start("run", apiEnv, work.resolve("api.log"))) {
      // both agents hold the same item, with the one-time key and the sealed form beside it
      await().atMost(TIMEOUT).until(() -> item(webEnv, owner).isPresent());
      await().atMost(TIMEOUT).until(() -> item(apiEnv, owner).isPresent());
      assertEquals("pw-of-the-shop-db", item(webEnv, owner).orElseThrow(), web.log());
      assertEquals("pw-of-the-shop-db", item(apiEnv, owner).orElseThrow(), api.log());
      assertEquals(32, Files.size(shareDir(apiEnv, owner).resolve("key")));
      String meta = Files.readString(shareDir(apiEnv, owner).resolve("share.json"));
      assertTrue(meta.contains("\"version\" : 1"), meta);

      // the status counts each instance's agents and their acknowledgements
      KeyShare acked =
          await()
              .atMost(TIMEOUT)
              .until(
                  () -> client.resources(KeyShare.class).inNamespace(owner).withName("db").get(),
                  s ->
                      s.getStatus() != null
                          && s.getStatus().getOwner() != null
                          && Integer.valueOf(1).equals(s.getStatus().getOwner().getAcknowledged())
                          && s.getStatus().getRecipients().stream()
                              .anyMatch(
                                  r ->
                                      r.getInstance().equals(other + "/api")
                                          && Integer.valueOf(1).equals(r.getAcknowledged())));
      assertEquals(1L, acked.getStatus().getVersion());

      // removing the recipient makes version 2 without it: its agent erases the share, the
      // owner's moves to version 2
      client
          .resources(KeyShare.class)
          .inNamespace(owner)
          .withName("db")
          .edit(
              s -> {
                s.getSpec().setRecipients(List.of(recipient(owner, "cart")));
                return s;
              });
      await().atMost(TIMEOUT).until(() -> !Files.exists(shareDir(apiEnv, owner)));
      await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  Files.readString(shareDir(webEnv, owner).resolve("share.json"))
                      .contains("\"version\" : 2"));
      assertTrue(api.log().contains("share " + owner + "/db erased"), api.log());
      assertTrue(Files.exists(InjectedAgents.keyDir(apiEnv).resolve("key")), "key kept");

      // deleting the share wipes its store: the owner's agent erases it too, and keeps its key
      client.resources(KeyShare.class).inNamespace(owner).withName("db").delete();
      await().atMost(TIMEOUT).until(() -> !Files.exists(shareDir(webEnv, owner)));
      assertTrue(Files.exists(InjectedAgents.keyDir(webEnv).resolve("key")), "key kept");
    }

    // the delivery is audited in the recipient's log, by version and key ID, never the item
    List<String> records = Fixtures.auditRecords(other, "audit");
    assertTrue(
        records.stream()
            .anyMatch(
                r ->
                    r.contains("\"type\":\"ShareDelivered\"")
                        && r.contains("\"share\":\"" + owner + "/db\"")
                        && r.contains("\"version\":\"1\"")),
        records.toString());
    assertTrue(records.stream().noneMatch(r -> r.contains("pw-of-the-shop-db")));
  }

  @Test
  void anAgentThatDoesNotAskForSharesGetsABareKeyGrant() throws Exception {
    String ns = tenant("share-old-agent", "web");
    Pod pod = pod(ns, "web-0", "web");
    String token = LocalControlPlaneResource.plane().boundToken(ns, "default", pod, AUDIENCE, 600);
    AgentHandshake handshake =
        new AgentHandshake(
            token,
            MasterTrust.fromPemBundle(LocalControlPlaneResource.webhookCaPem()),
            Clock.systemUTC(),
            Duration.ofSeconds(30),
            Optional.empty());
    HttpResponse<String> hello =
        InjectedAgents.post(AgentApi.HELLO, Wire.toJson(handshake.start()));
    Messages.AgentConfirm confirm =
        handshake.onMasterHello(Wire.parse(hello.body(), Messages.MasterHello.class));
    HttpResponse<String> granted = InjectedAgents.post(AgentApi.CONFIRM, Wire.toJson(confirm));
    assertEquals(200, granted.statusCode(), granted.body());
    assertEquals("application/json", granted.headers().firstValue("content-type").orElse(""));
    assertFalse(granted.body().contains("shares"));
    assertEquals(
        16, handshake.onGrant(Wire.parse(granted.body(), Messages.KeyGrant.class)).key().length());
  }
}
