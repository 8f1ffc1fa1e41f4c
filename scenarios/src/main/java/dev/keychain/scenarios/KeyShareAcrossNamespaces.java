package dev.keychain.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A KeyShare as users run it on a real cluster: the owner's Deployment and a recipient Deployment
 * in another namespace (which accepts the share by label) read the same item from {@code
 * shares/<owner ns>/<share>/item} in their memory volume; bad input is refused, named in the
 * status, and leaves the served version as it was; a removed recipient's pods lose the item at the
 * next version while the owner's move on to it; deleting the share erases it from every pod. All
 * through the API and {@code kubectl exec}, as a user checks it.
 */
public final class KeyShareAcrossNamespaces {
  public static final String SHOP = "share-shop";
  public static final String BILLING = "share-billing";
  public static final String ELSEWHERE = "share-elsewhere";
  private static final String ITEM = "pw-of-the-shop-db";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final NodeTenants tenants;
  private final Duration timeout;

  public KeyShareAcrossNamespaces(
      KubernetesClient client, String appImage, String keyDir, Duration timeout) {
    this.client = client;
    this.tenants = new NodeTenants(client, appImage, keyDir, timeout);
    this.timeout = timeout;
  }

  /** What was measured on the way, for the log. */
  public record Figures(Duration firstDelivery, Duration removal, Duration erasure) {}

  public Figures run() {
    setUp();
    Instant created = Instant.now();
    tenants.apply(share("db", List.of(recipient(BILLING, "api"), recipient(SHOP, "cart"))));
    awaitItem("both Deployments' pods to read the shared item", SHOP, "web", 2);
    awaitItem("the recipient Deployment's pod to read the shared item", BILLING, "api", 1);
    Duration firstDelivery = Duration.between(created, Instant.now());
    JsonNode v1 =
        awaitStatus(
            "every agent to acknowledge version 1",
            s -> acknowledged(s, 1, Map.of("owner", 2, BILLING + "/api", 1, SHOP + "/cart", 0)));
    for (Pod pod : tenants.pods(SHOP, "web")) {
      check(
          sharedFile(SHOP, pod, "key").map(String::length).orElse(0) > 0,
          "no one-time key beside the item in " + pod.getMetadata().getName());
    }
    String keyId = v1.path("keyId").asText();

    refusesBadInputAndKeepsVersion(1, keyId);

    Instant removed = Instant.now();
    patchRecipients(List.of(recipient(SHOP, "cart")));
    awaitStatus("version 2 without the removed recipient", s -> s.path("version").asLong() == 2);
    Await.until(
        "the removed recipient's pod to lose the item",
        timeout,
        () -> tenants.pods(BILLING, "api").size() == 1 && erased(BILLING, "api"));
    Duration removal = Duration.between(removed, Instant.now());
    for (Pod pod : tenants.pods(BILLING, "api")) {
      check(
          tenants.read(BILLING, pod, "key.json").isPresent(),
          "the removed recipient's pod lost its own key too");
    }
    Await.until(
        "the owner's pods to move to version 2",
        timeout,
        () ->
            tenants.pods(SHOP, "web").stream()
                .allMatch(
                    p -> shareVersion(SHOP, p) == 2 && ITEM.equals(item(SHOP, p).orElse(""))));
    awaitStatus(
        "every remaining agent to acknowledge version 2",
        s -> acknowledged(s, 2, Map.of("owner", 2, SHOP + "/cart", 0)));

    Instant deleted = Instant.now();
    client
        .genericKubernetesResources(KeychainObjects.API, "KeyShare")
        .inNamespace(SHOP)
        .withName("db")
        .delete();
    Await.until(
        "deleting the share to erase it from the owner's pods",
        timeout,
        () -> tenants.pods(SHOP, "web").size() == 2 && erased(SHOP, "web"));
    Duration erasure = Duration.between(deleted, Instant.now());
    check(
        client.secrets().inNamespace(SHOP).withName("keyshare.db").get() == null,
        "the share's store of record outlived the share");
    for (Pod pod : tenants.pods(SHOP, "web")) {
      check(
          tenants.read(SHOP, pod, "key.json").isPresent(),
          "deleting the share took the owner's own key");
    }
    return new Figures(firstDelivery, removal, erasure);
  }

  /**
   * Unknown, self and unaccepting recipients are named and left out; a duplicate recipient, an
   * oversized item and a share with two sources are refused whole. None changes what pods read.
   */
  private void refusesBadInputAndKeepsVersion(long version, String keyId) {
    // a duplicate: the whole change is refused and the stored version is unchanged
    patchRecipients(
        List.of(recipient(BILLING, "api"), recipient(SHOP, "cart"), recipient(BILLING, "api")));
    JsonNode duplicate =
        awaitStatus(
            "the duplicate recipient to be refused", s -> "DuplicateRecipient".equals(reason(s)));
    check(
        message(duplicate).contains("recipient " + BILLING + "/api is listed twice")
            && message(duplicate).contains("the stored version is unchanged"),
        "unclear refusal: " + message(duplicate));
    check(duplicate.path("version").asLong() == version, "version moved: " + duplicate);

    // unknown, self and unaccepting recipients: named, not included, no new version
    patchRecipients(
        List.of(
            recipient(BILLING, "api"),
            recipient(SHOP, "cart"),
            recipient(SHOP, "ghost"),
            recipient(SHOP, "web"),
            recipient(ELSEWHERE, "api")));
    JsonNode named =
        awaitStatus(
            "the bad recipients to be named",
            s -> "Shared".equals(reason(s)) && s.path("recipients").size() == 5);
    Map<String, String> why = new TreeMap<>();
    for (JsonNode r : named.path("recipients")) {
      why.put(r.path("instance").asText(), r.path("message").asText());
    }
    check(
        ("SecureInstance " + SHOP + "/ghost does not exist").equals(why.get(SHOP + "/ghost"))
            && String.valueOf(why.get(SHOP + "/web")).contains("a share to itself is a cycle")
            && String.valueOf(why.get(ELSEWHERE + "/api"))
                .contains("does not accept it: label it shares.keychain.dev/" + SHOP + "=db"),
        "bad recipients not named: " + why);
    check(
        named.path("version").asLong() == version && keyId.equals(named.path("keyId").asText()),
        "bad recipients made a new version: " + named);

    // an item over 64 KiB: refused, nothing stored, no pod sees it
    tenants.apply(
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: big
          namespace: %s
          labels: {keychain.dev/shareable: "true"}
        stringData: {password: %s}
        """
            .formatted(SHOP, "x".repeat(70 * 1024)));
    tenants.apply(share("big", List.of(recipient(SHOP, "cart"))));
    JsonNode big =
        awaitStatus(
            "big", "the oversized item to be refused", s -> "ItemTooLarge".equals(reason(s)));
    check(message(big).contains("at most 65536 are shared"), "unclear refusal: " + message(big));
    check(
        client.secrets().inNamespace(SHOP).withName("keyshare.big").get() == null,
        "an oversized item was stored");
    client
        .genericKubernetesResources(KeychainObjects.API, "KeyShare")
        .inNamespace(SHOP)
        .withName("big")
        .delete();

    // two sources at once: the API server's schema refuses it before the operator sees it
    try {
      tenants.apply(
          """
          apiVersion: keychain.dev/v1alpha1
          kind: KeyShare
          metadata: {name: both, namespace: %s}
          spec:
            owner: web
            item: {derivedKey: db, secretRef: {name: db, key: password}}
            recipients: [{namespace: %s, instance: api}]
          """
              .formatted(SHOP, BILLING));
      throw new ScenarioFailure("a KeyShare with two item sources was accepted");
    } catch (KubernetesClientException e) {
      check(
          String.valueOf(e.getMessage()).contains("exactly one of derivedKey or secretRef"),
          "unclear schema refusal: " + e.getMessage());
    }

    patchRecipients(List.of(recipient(BILLING, "api"), recipient(SHOP, "cart")));
    awaitStatus(
        "the share to be served as before",
        s ->
            "Shared".equals(reason(s))
                && s.path("recipients").size() == 2
                && s.path("version").asLong() == version);
    for (String[] app : new String[][] {{SHOP, "web"}, {BILLING, "api"}}) {
      for (Pod pod : tenants.pods(app[0], app[1])) {
        check(
            shareVersion(app[0], pod) == version && ITEM.equals(item(app[0], pod).orElse("")),
            "bad input changed what " + pod.getMetadata().getName() + " reads");
        check(
            sharedFile(app[0], pod, "big", "item").isEmpty(),
            "the refused item reached " + pod.getMetadata().getName());
      }
    }
  }

  // --- setup ---

  private void setUp() {
    tenants.apply(
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: %1$s
          labels: {keychain.dev/injection: enabled}
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: %2$s
          labels: {keychain.dev/injection: enabled, shares.keychain.dev/%1$s: db}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: %3$s}
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: db
          namespace: %1$s
          labels: {keychain.dev/shareable: "true"}
        stringData: {password: %4$s}
        """
            .formatted(SHOP, BILLING, ELSEWHERE, ITEM));
    // a recipient without pods beside the owner, and one whose namespace never accepts
    tenants.apply(NodeTenants.instance(SHOP, "cart"));
    tenants.apply(NodeTenants.instance(ELSEWHERE, "api"));
    tenants.create(SHOP, "web", 2);
    tenants.create(BILLING, "api", 1);
  }

  /** KeyShare {@code name} of web's in {@link #SHOP}: entry password of Secret {@code name}. */
  private static String share(String name, List<String> recipients) {
    return """
        apiVersion: keychain.dev/v1alpha1
        kind: KeyShare
        metadata: {name: %1$s, namespace: %2$s}
        spec:
          owner: web
          item: {secretRef: {name: %1$s, key: password}}
          recipients: [%3$s]
        """
        .formatted(name, SHOP, String.join(", ", recipients));
  }

  private static String recipient(String ns, String instance) {
    return "{\"namespace\": \"" + ns + "\", \"instance\": \"" + instance + "\"}";
  }

  private void patchRecipients(List<String> recipients) {
    objects(SHOP)
        .patchSpec("KeyShare", "db", "{\"recipients\":[" + String.join(",", recipients) + "]}");
  }

  // --- what pods and the status show ---

  /** A file of share {@code share} (owned in {@link #SHOP}) as the pod's app reads it. */
  private Optional<String> sharedFile(String ns, Pod pod, String share, String file) {
    return tenants.read(ns, pod, "shares/" + SHOP + "/" + share + "/" + file);
  }

  private Optional<String> sharedFile(String ns, Pod pod, String file) {
    return sharedFile(ns, pod, "db", file);
  }

  private Optional<String> item(String ns, Pod pod) {
    return sharedFile(ns, pod, "item");
  }

  /** The version in the pod's share.json, 0 when it holds none. */
  private long shareVersion(String ns, Pod pod) {
    Optional<String> meta = sharedFile(ns, pod, "share.json");
    try {
      return meta.isEmpty() ? 0 : JSON.readTree(meta.get()).path("version").asLong();
    } catch (IOException e) {
      throw new ScenarioFailure("unreadable share.json in " + pod.getMetadata().getName(), e);
    }
  }

  /**
   * Whether no running pod of {@code app} has the share's directory any more (checked, not a failed
   * read).
   */
  private boolean erased(String ns, String app) {
    return tenants.pods(ns, app).stream()
        .allMatch(p -> tenants.absent(ns, p, "shares/" + SHOP + "/db"));
  }

  /** The item each running pod of {@code app} reads (pods without it left out). */
  private Map<String, String> items(String ns, String app) {
    Map<String, String> items = new TreeMap<>();
    for (Pod pod : tenants.pods(ns, app)) {
      item(ns, pod).ifPresent(i -> items.put(pod.getMetadata().getName(), i));
    }
    return items;
  }

  private void awaitItem(String what, String ns, String app, int replicas) {
    Await.until(
        what,
        timeout,
        () -> {
          Map<String, String> items = items(ns, app);
          return items.size() == replicas && items.values().stream().allMatch(ITEM::equals);
        });
  }

  private JsonNode awaitStatus(String what, Predicate<JsonNode> test) {
    return awaitStatus("db", what, test);
  }

  /** Waits for KeyShare {@code name}'s status to pass {@code test}; fails showing the last one. */
  private JsonNode awaitStatus(String name, String what, Predicate<JsonNode> test) {
    try {
      return Await.value(
          "KeyShare " + SHOP + "/" + name + ": " + what,
          timeout,
          () -> {
            var share = objects(SHOP).get("KeyShare", name);
            long generation = share == null ? 0 : share.getMetadata().getGeneration();
            // a status of the spec before the last patch does not count
            return objects(SHOP)
                .status("KeyShare", name)
                .filter(st -> st.path("observedGeneration").asLong() >= generation)
                .filter(test);
          });
    } catch (ScenarioFailure e) {
      throw new ScenarioFailure(
          e.getMessage()
              + "; its status: "
              + objects(SHOP).status("KeyShare", name).map(Object::toString).orElse("(none)"),
          e);
    }
  }

  /**
   * At {@code version}, with the owner's and each included recipient's agents' pods counted as
   * {@code pods} says (instance id to count; the owner's under "owner") and all acknowledging it.
   */
  private static boolean acknowledged(JsonNode status, long version, Map<String, Integer> pods) {
    if (status.path("version").asLong() != version || !status.has("owner")) {
      return false;
    }
    Map<String, Integer> seen = new TreeMap<>();
    JsonNode owner = status.path("owner");
    if (owner.path("pods").asInt() != owner.path("acknowledged").asInt()) {
      return false;
    }
    seen.put("owner", owner.path("pods").asInt());
    for (JsonNode r : status.path("recipients")) {
      if (!r.path("included").asBoolean()) {
        continue;
      }
      if (r.path("pods").asInt() != r.path("acknowledged").asInt()) {
        return false;
      }
      seen.put(r.path("instance").asText(), r.path("pods").asInt());
    }
    return seen.equals(pods);
  }

  private static String reason(JsonNode status) {
    for (JsonNode c : status.path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) {
        return c.path("reason").asText();
      }
    }
    return "";
  }

  private static String message(JsonNode status) {
    for (JsonNode c : status.path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) {
        return c.path("message").asText();
      }
    }
    return "";
  }

  private KeychainObjects objects(String ns) {
    return new KeychainObjects(client, ns);
  }

  private static void check(boolean condition, String failure) {
    if (!condition) {
      throw new ScenarioFailure(failure);
    }
  }
}
