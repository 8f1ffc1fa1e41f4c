package dev.keychain.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.Optional;

/**
 * The keychain.dev objects of one namespace as a user sees them: generic resources (no operator
 * classes), their status as JSON, conditions, and spec patches.
 */
public final class KeychainObjects {
  public static final String API = "keychain.dev/v1alpha1";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final String ns;

  public KeychainObjects(KubernetesClient client, String namespace) {
    this.client = client;
    this.ns = namespace;
  }

  /** The object, or null if it does not exist. */
  public GenericKubernetesResource get(String kind, String name) {
    return client.genericKubernetesResources(API, kind).inNamespace(ns).withName(name).get();
  }

  public Optional<JsonNode> status(String kind, String name) {
    GenericKubernetesResource r = get(kind, name);
    if (r == null || r.getAdditionalProperties().get("status") == null) {
      return Optional.empty();
    }
    return Optional.of(json(r.getAdditionalProperties().get("status")));
  }

  /** A generic resource's field as JSON. */
  public static JsonNode json(Object field) {
    return JSON.valueToTree(field);
  }

  /** The entry of {@code pod} in a SecureInstance's {@code status.agents}. */
  public Optional<JsonNode> agentStatus(String instance, String pod) {
    return status("SecureInstance", instance)
        .flatMap(
            s -> {
              for (JsonNode a : s.path("agents")) {
                if (pod.equals(a.path("pod").asText())) {
                  return Optional.of(a);
                }
              }
              return Optional.empty();
            });
  }

  public static boolean conditionTrue(JsonNode status, String type) {
    for (JsonNode c : status.path("conditions")) {
      if (type.equals(c.path("type").asText())) {
        return "True".equals(c.path("status").asText());
      }
    }
    return false;
  }

  public void awaitReady(String kind, String name, Duration timeout) {
    Await.value(
        kind + " " + name + " to be Ready",
        timeout,
        () -> status(kind, name).filter(s -> conditionTrue(s, "Ready")));
  }

  /** A JSON merge patch of the object's spec with {@code specJson}. */
  public void patchSpec(String kind, String name, String specJson) {
    client
        .genericKubernetesResources(API, kind)
        .inNamespace(ns)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + specJson + "}");
  }

  /** Sets a SecureInstance's desired lifecycle state. */
  public void setState(String instance, String state) {
    patchSpec("SecureInstance", instance, "{\"state\":\"" + state + "\"}");
  }
}
