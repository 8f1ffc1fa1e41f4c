package dev.keychain.operator.share;

import static dev.keychain.operator.testing.Fixtures.secureInstance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.chain.KeyId;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.envelope.Envelope;
import dev.keychain.core.share.OneTimeKeys;
import dev.keychain.core.share.ShareBinding;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.KeyShare;
import dev.keychain.operator.api.v1alpha1.KeyShareSpec;
import dev.keychain.operator.api.v1alpha1.SecretKeyRef;
import dev.keychain.operator.api.v1alpha1.ShareItemSpec;
import dev.keychain.operator.api.v1alpha1.ShareRecipientSpec;
import dev.keychain.operator.chain.KeyProviders;
import dev.keychain.operator.chain.TenantShares;
import dev.keychain.operator.status.Conditions;
import dev.keychain.operator.testing.Fixtures;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * KeyShares on the real API server: versions are made only for recipients whose namespace accepts
 * the share, each under a fresh one-time key sealed by the owner chain's envelope, with the item
 * sealed under that key; bad input leaves the stored version as it was.
 */
@QuarkusTest
@QuarkusTestResource(LocalControlPlaneResource.class)
class KeyShareIT {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Inject KubernetesClient client;
  @Inject ShareStore store;
  @Inject KeyProviders kek;
  @Inject TenantShares tenantShares;

  /** A namespace with a chain and a Ready SecureInstance {@code instance}. */
  private String tenant(String prefix, String instance) {
    String ns = LocalControlPlaneResource.newNamespace(prefix);
    Fixtures.createReadyTenant(client, ns, instance);
    return ns;
  }

  /** A tenant with owner "web" and, in the same namespace, instance "api". */
  private String ownerBesideApi(String prefix) {
    String ns = tenant(prefix, "web");
    client.resource(secureInstance(ns, "api", "tenant", "edge", "api")).create();
    return ns;
  }

  private void secret(String ns, String value) {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("db")
                .withNamespace(ns)
                .addToLabels(ShareItems.SHAREABLE_LABEL, "true")
                .endMetadata()
                .addToStringData("password", value)
                .build())
        .serverSideApply();
  }

  private static KeyShare share(String ns, ShareItemSpec item, ShareRecipientSpec... recipients) {
    KeyShare share = new KeyShare();
    share.getMetadata().setName("db");
    share.getMetadata().setNamespace(ns);
    KeyShareSpec spec = new KeyShareSpec();
    spec.setOwner("web");
    spec.setItem(item);
    spec.setRecipients(List.of(recipients));
    share.setSpec(spec);
    return share;
  }

  private static ShareRecipientSpec recipient(String ns, String instance) {
    ShareRecipientSpec r = new ShareRecipientSpec();
    r.setNamespace(ns);
    r.setInstance(instance);
    return r;
  }

  private static ShareItemSpec secretItem() {
    SecretKeyRef ref = new SecretKeyRef();
    ref.setName("db");
    ref.setKey("password");
    ShareItemSpec item = new ShareItemSpec();
    item.setSecretRef(ref);
    return item;
  }

  private KeyShare awaitShare(String ns, Predicate<KeyShare> done) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () -> client.resources(KeyShare.class).inNamespace(ns).withName("db").get(),
            s -> s != null && s.getStatus() != null && done.test(s));
  }

  private static Condition ready(KeyShare s) {
    return s.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(Conditions.READY))
        .findFirst()
        .orElse(new Condition());
  }

  private static boolean atVersion(KeyShare s, long version) {
    return Long.valueOf(version).equals(s.getStatus().getVersion())
        && "True".equals(ready(s).getStatus());
  }

  /** Opens the stored version with the KEK and the owner chain's tenant share. */
  private byte[] openItem(String ns) {
    ShareStore.Stored stored = store.read(ns, "db").orElseThrow();
    ShareStore.Version v = stored.version();
    ShareBinding binding = new ShareBinding(ns, "web", "db", v.version(), v.recipients());
    KeyChain chain = client.resources(KeyChain.class).inNamespace(ns).withName("tenant").get();
    try (SecretBytes share = tenantShares.read(chain);
        SecretBytes otk =
            Envelope.open(
                kek.forChain(chain),
                stored.key(),
                share,
                OneTimeKeys.envelope("tenant", binding, KeyId.parse(v.keyId())))) {
      assertEquals(v.keyId(), OneTimeKeys.keyId(otk).hex());
      return stored.item().open(otk, binding);
    }
  }

  @Test
  void sharesOnlyWithRecipientsWhoseNamespaceAcceptsAndVersionsEachChange() {
    String owner = tenant("share-owner", "web");
    String other = tenant("share-recipient", "api");
    secret(owner, "s3cret-1");
    client.resource(share(owner, secretItem(), recipient(other, "api"))).create();

    // never one-sided: the recipient's namespace has not accepted
    KeyShare refused = awaitShare(owner, s -> "NoRecipient".equals(ready(s).getReason()));
    String why = refused.getStatus().getRecipients().get(0).getMessage();
    assertTrue(why.contains("does not accept it: label it shares.keychain.dev/" + owner), why);
    assertTrue(store.read(owner, "db").isEmpty(), "a version was stored without acceptance");

    client
        .namespaces()
        .withName(other)
        .edit(
            n -> {
              var labels = new HashMap<>(n.getMetadata().getLabels());
              labels.put(KeyShareReconciler.ACCEPT_LABEL_PREFIX + owner, "db");
              n.getMetadata().setLabels(labels);
              return n;
            });
    KeyShare v1 = awaitShare(owner, s -> atVersion(s, 1));
    assertTrue(v1.getStatus().getRecipients().get(0).getIncluded());
    assertArrayEquals("s3cret-1".getBytes(StandardCharsets.UTF_8), openItem(owner));
    assertEquals(List.of(other + "/api"), store.read(owner, "db").get().version().recipients());

    // a changed item is a new version, under a new one-time key (the resync finds it)
    secret(owner, "s3cret-2");
    KeyShare v2 =
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () -> client.resources(KeyShare.class).inNamespace(owner).withName("db").get(),
                s -> atVersion(s, 2));
    assertNotEquals(v1.getStatus().getKeyId(), v2.getStatus().getKeyId());
    assertArrayEquals("s3cret-2".getBytes(StandardCharsets.UTF_8), openItem(owner));

    // the recipient's namespace withdraws its acceptance: the version is withdrawn, not kept
    client
        .namespaces()
        .withName(other)
        .edit(
            n -> {
              var labels = new HashMap<>(n.getMetadata().getLabels());
              labels.remove(KeyShareReconciler.ACCEPT_LABEL_PREFIX + owner);
              n.getMetadata().setLabels(labels);
              return n;
            });
    await().atMost(Duration.ofSeconds(90)).until(() -> store.read(owner, "db").isEmpty());
    KeyShare withdrawn = awaitShare(owner, s -> "NoRecipient".equals(ready(s).getReason()));
    assertNull(withdrawn.getStatus().getVersion());
    assertTrue(ready(withdrawn).getMessage().contains("the stored version was withdrawn"));

    // deleting the share wipes its store
    client.resources(KeyShare.class).inNamespace(owner).withName("db").delete();
    await().atMost(TIMEOUT).until(() -> store.read(owner, "db").isEmpty());
  }

  @Test
  void aShareWaitingForItsRecipientIsVersionedWhenTheRecipientIsMade() {
    String owner = tenant("share-waiting", "web");
    ShareItemSpec item = new ShareItemSpec();
    item.setDerivedKey("db-encryption");
    client.resource(share(owner, item, recipient(owner, "api"))).create();
    awaitShare(owner, s -> "NoRecipient".equals(ready(s).getReason()));
    client.resource(secureInstance(owner, "api", "tenant", "edge", "api")).create();
    // well inside the 30 s resync: the instance's own event woke the share
    KeyShare v1 =
        await()
            .atMost(KeyShareReconciler.RESYNC.dividedBy(2))
            .until(
                () -> client.resources(KeyShare.class).inNamespace(owner).withName("db").get(),
                s -> s.getStatus() != null && atVersion(s, 1));
    assertTrue(v1.getStatus().getRecipients().get(0).getIncluded());
  }

  @Test
  void aDerivedKeyIsSharedAndBadRecipientsAreNamed() {
    String owner = ownerBesideApi("share-derived");
    ShareItemSpec item = new ShareItemSpec();
    item.setDerivedKey("db-encryption");
    client
        .resource(
            share(
                owner,
                item,
                recipient(owner, "api"),
                recipient(owner, "web"),
                recipient(owner, "ghost")))
        .create();
    KeyShare v1 = awaitShare(owner, s -> atVersion(s, 1));
    assertEquals(32, openItem(owner).length);
    var recipients = v1.getStatus().getRecipients();
    assertTrue(recipients.get(0).getIncluded(), "the same namespace needs no acceptance");
    assertNull(recipients.get(0).getMessage());
    assertTrue(recipients.get(1).getMessage().contains("a share to itself is a cycle"));
    assertEquals(
        "SecureInstance " + owner + "/ghost does not exist", recipients.get(2).getMessage());
  }

  @Test
  void anItemTooLargeIsRefusedAndNothingIsStored() {
    String owner = ownerBesideApi("share-large");
    secret(owner, "x".repeat(70 * 1024));
    client.resource(share(owner, secretItem(), recipient(owner, "api"))).create();
    KeyShare tooLarge = awaitShare(owner, s -> "ItemTooLarge".equals(ready(s).getReason()));
    assertTrue(
        ready(tooLarge).getMessage().contains("at most 65536 are shared"),
        ready(tooLarge).getMessage());
    assertTrue(store.read(owner, "db").isEmpty());
  }

  @Test
  void aRecipientListedTwiceIsRefusedNamingIt() {
    String owner = ownerBesideApi("share-twice");
    ShareItemSpec item = new ShareItemSpec();
    item.setDerivedKey("db-encryption");
    client.resource(share(owner, item, recipient(owner, "api"), recipient(owner, "api"))).create();
    KeyShare refused = awaitShare(owner, s -> "DuplicateRecipient".equals(ready(s).getReason()));
    assertTrue(ready(refused).getMessage().contains("recipient " + owner + "/api is listed twice"));
    assertTrue(store.read(owner, "db").isEmpty());
  }

  @Test
  void aSecretNotMarkedShareableIsRefused() {
    String owner = ownerBesideApi("share-unmarked");
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("db")
                .withNamespace(owner)
                .endMetadata()
                .addToStringData("password", "not for sharing")
                .build())
        .create();
    client.resource(share(owner, secretItem(), recipient(owner, "api"))).create();
    KeyShare refused = awaitShare(owner, s -> "ItemRefused".equals(ready(s).getReason()));
    assertTrue(
        ready(refused).getMessage().contains("label it keychain.dev/shareable=true"),
        ready(refused).getMessage());
    assertTrue(store.read(owner, "db").isEmpty());
  }

  @Test
  void theSchemaRefusesAnItemWithBothSources() {
    String ns = LocalControlPlaneResource.newNamespace("share-schema");
    ShareItemSpec both = secretItem();
    both.setDerivedKey("x");
    var e =
        assertThrows(
            KubernetesClientException.class,
            () -> client.resource(share(ns, both, recipient(ns, "api"))).create());
    assertTrue(
        e.getMessage().contains("item needs exactly one of derivedKey or secretRef"),
        e.getMessage());
  }
}
