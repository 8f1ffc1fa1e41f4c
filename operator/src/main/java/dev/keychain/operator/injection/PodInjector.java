package dev.keychain.operator.injection;

import static dev.keychain.operator.pods.AgentPodAnnotations.AGENT_LABEL;
import static dev.keychain.operator.pods.AgentPodAnnotations.CHAIN;
import static dev.keychain.operator.pods.AgentPodAnnotations.GROUP;
import static dev.keychain.operator.pods.AgentPodAnnotations.INJECT;
import static dev.keychain.operator.pods.AgentPodAnnotations.INJECTED;
import static dev.keychain.operator.pods.AgentPodAnnotations.INSTANCE;
import static dev.keychain.operator.pods.AgentPodAnnotations.KEY_PATH;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.pods.AgentPodAnnotations;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Computes the JSONPatch that injects the key-chain agent into a pod of a SecureInstance: an init
 * container that enrols and fetches the key before the app starts, a sidecar that follows rotation
 * and restriction (a native sidecar where the cluster has them), a memory-backed volume mounted
 * read-only into the app containers, a projected ServiceAccount token for the agent audience, and
 * annotations naming instance, group and chain. Pure: no API calls, so it is tested directly.
 */
public final class PodInjector {
  static final String KEY_VOLUME = "keychain-key";
  static final String TOKEN_VOLUME = "keychain-token";
  static final String INIT = AgentPodAnnotations.INIT_CONTAINER;
  static final String SIDECAR = AgentPodAnnotations.SIDECAR_CONTAINER;
  static final String TOKEN_DIR = "/var/run/secrets/keychain.dev/agent";
  static final String AGENT_KEY_DIR = "/var/run/keychain";
  static final String DEFAULT_KEY_PATH = "/var/run/keychain";

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** The parameters of one injection. */
  public record Agent(
      String image,
      String pullPolicy,
      String operatorUrl,
      String caBundlePem,
      String audience,
      long tokenExpirationSeconds,
      boolean nativeSidecar) {}

  /** What the webhook answers. */
  public sealed interface Outcome {
    /** Left alone (no instance selects it, opted out, or already injected), with the reason. */
    record Skip(String reason) implements Outcome {}

    /** Injected: apply the patch. */
    record Inject(ArrayNode patch, String instance) implements Outcome {}

    /** Cannot be injected safely: deny with the message. */
    record Reject(String message) implements Outcome {}
  }

  private PodInjector() {}

  public static Outcome inject(JsonNode pod, List<SecureInstance> selecting, Agent agent) {
    JsonNode annotations = pod.path("metadata").path("annotations");
    if ("false".equalsIgnoreCase(annotations.path(INJECT).asText())) {
      return new Outcome.Skip("opted out with " + INJECT + "=false");
    }
    if (selecting.isEmpty()) {
      return new Outcome.Skip("no SecureInstance selects the pod");
    }
    if (selecting.size() > 1) {
      return new Outcome.Reject(
          "pod is selected by more than one SecureInstance ("
              + selecting.stream()
                  .map(si -> si.getMetadata().getName())
                  .collect(Collectors.joining(", "))
              + "); an agent serves exactly one instance: make the selectors disjoint");
    }
    SecureInstance si = selecting.get(0);
    String name = si.getMetadata().getName();
    JsonNode spec = pod.path("spec");
    boolean hasAgent =
        has(spec.path("initContainers"), INIT)
            || has(spec.path("containers"), SIDECAR)
            || has(spec.path("initContainers"), SIDECAR);
    if (hasAgent) {
      if (name.equals(annotations.path(INSTANCE).asText())) {
        return new Outcome.Skip("already injected for SecureInstance " + name);
      }
      return new Outcome.Reject(
          "pod already has a container named "
              + INIT
              + " or "
              + SIDECAR
              + " that was not injected for SecureInstance "
              + name
              + "; rename it or opt out with "
              + INJECT
              + "=false");
    }
    if (si.getMetadata().getDeletionTimestamp() != null
        || (si.getSpec() != null && "Deleted".equals(String.valueOf(si.getSpec().getState())))) {
      return new Outcome.Reject(
          "SecureInstance "
              + name
              + " is being deleted: its keys are revoked, no new pod gets one");
    }
    for (String volume : List.of(KEY_VOLUME, TOKEN_VOLUME)) {
      if (has(spec.path("volumes"), volume)) {
        return new Outcome.Reject("pod already has a volume named " + volume + "; rename it");
      }
    }
    String keyPath = annotations.path(KEY_PATH).asText(DEFAULT_KEY_PATH);
    if (!keyPath.matches("/[A-Za-z0-9._/-]*") || keyPath.contains("..")) {
      return new Outcome.Reject(
          "annotation "
              + KEY_PATH
              + " must be an absolute path without '..', not '"
              + keyPath
              + "'");
    }
    for (JsonNode c : spec.path("containers")) {
      for (JsonNode m : c.path("volumeMounts")) {
        if (keyPath.equals(m.path("mountPath").asText())) {
          return new Outcome.Reject(
              "container "
                  + c.path("name").asText()
                  + " already mounts something at "
                  + keyPath
                  + "; choose another path with annotation "
                  + KEY_PATH);
        }
      }
    }

    ArrayNode patch = F.arrayNode();
    // Annotations and label name what was injected for whom.
    if (!pod.path("metadata").has("annotations") || annotations.isNull()) {
      add(patch, "/metadata/annotations", F.objectNode());
    }
    add(patch, "/metadata/annotations/" + escape(INJECTED), F.textNode("true"));
    add(patch, "/metadata/annotations/" + escape(INSTANCE), F.textNode(name));
    add(
        patch,
        "/metadata/annotations/" + escape(GROUP),
        F.textNode(si.getSpec().getClusterGroup()));
    add(patch, "/metadata/annotations/" + escape(CHAIN), F.textNode(si.getSpec().getKeyChain()));
    if (!pod.path("metadata").has("labels") || pod.path("metadata").path("labels").isNull()) {
      add(patch, "/metadata/labels", F.objectNode());
    }
    add(patch, "/metadata/labels/" + escape(AGENT_LABEL), F.textNode("injected"));

    // Volumes: the key in memory only, the token projected for the agent audience.
    ObjectNode keyVolume = F.objectNode().put("name", KEY_VOLUME);
    keyVolume.putObject("emptyDir").put("medium", "Memory").put("sizeLimit", "1Mi");
    ObjectNode tokenVolume = F.objectNode().put("name", TOKEN_VOLUME);
    tokenVolume
        .putObject("projected")
        .put("defaultMode", 0644)
        .putArray("sources")
        .addObject()
        .putObject("serviceAccountToken")
        .put("audience", agent.audience())
        .put("expirationSeconds", agent.tokenExpirationSeconds())
        .put("path", "token");
    append(patch, spec, "volumes", keyVolume, tokenVolume);

    // App containers see the key read-only.
    int index = 0;
    for (JsonNode c : spec.path("containers")) {
      ObjectNode mount =
          F.objectNode().put("name", KEY_VOLUME).put("mountPath", keyPath).put("readOnly", true);
      String base = "/spec/containers/" + index;
      if (c.has("volumeMounts") && c.get("volumeMounts").isArray()) {
        add(patch, base + "/volumeMounts/-", mount);
      } else {
        add(patch, base + "/volumeMounts", F.arrayNode().add(mount));
      }
      index++;
    }

    // The init container enrols first; a native sidecar follows it, before any other init
    // container, so that they too can use the key. A plain sidecar joins the app containers.
    ObjectNode init = container(INIT, "enrol", agent, si);
    ArrayNode inits = F.arrayNode().add(init);
    ObjectNode sidecar = container(SIDECAR, "run", agent, si);
    if (agent.nativeSidecar()) {
      sidecar.put("restartPolicy", "Always");
      inits.add(sidecar);
    }
    JsonNode existingInits = spec.path("initContainers");
    if (existingInits.isArray() && !existingInits.isEmpty()) {
      for (int i = inits.size() - 1; i >= 0; i--) {
        add(patch, "/spec/initContainers/0", inits.get(i));
      }
    } else {
      add(patch, "/spec/initContainers", inits);
    }
    if (!agent.nativeSidecar()) {
      add(patch, "/spec/containers/-", sidecar);
    }
    return new Outcome.Inject(patch, name);
  }

  private static ObjectNode container(String name, String command, Agent agent, SecureInstance si) {
    ObjectNode c = F.objectNode().put("name", name).put("image", agent.image());
    c.put("imagePullPolicy", agent.pullPolicy());
    c.putArray("args").add(command);
    ArrayNode env = c.putArray("env");
    env(env, "KEYCHAIN_OPERATOR_URL", agent.operatorUrl());
    env(env, "KEYCHAIN_CA_BUNDLE", agent.caBundlePem());
    env(env, "KEYCHAIN_TOKEN_FILE", TOKEN_DIR + "/token");
    env(env, "KEYCHAIN_KEY_DIR", AGENT_KEY_DIR);
    env(
        env,
        "KEYCHAIN_INSTANCE",
        si.getMetadata().getNamespace() + "/" + si.getMetadata().getName());
    ArrayNode mounts = c.putArray("volumeMounts");
    mounts.addObject().put("name", KEY_VOLUME).put("mountPath", AGENT_KEY_DIR);
    mounts.addObject().put("name", TOKEN_VOLUME).put("mountPath", TOKEN_DIR).put("readOnly", true);
    ObjectNode resources = c.putObject("resources");
    resources.putObject("requests").put("cpu", "10m").put("memory", "48Mi");
    resources.putObject("limits").put("memory", "128Mi");
    ObjectNode security = c.putObject("securityContext");
    security.put("runAsNonRoot", true).put("runAsUser", 65532).put("readOnlyRootFilesystem", true);
    security.put("allowPrivilegeEscalation", false);
    security.putObject("capabilities").putArray("drop").add("ALL");
    security.putObject("seccompProfile").put("type", "RuntimeDefault");
    return c;
  }

  private static void env(ArrayNode env, String name, String value) {
    env.addObject().put("name", name).put("value", value);
  }

  private static void append(ArrayNode patch, JsonNode spec, String field, JsonNode... items) {
    JsonNode existing = spec.path(field);
    if (existing.isArray()) {
      for (JsonNode item : items) {
        add(patch, "/spec/" + field + "/-", item);
      }
    } else {
      ArrayNode all = F.arrayNode();
      for (JsonNode item : items) {
        all.add(item);
      }
      add(patch, "/spec/" + field, all);
    }
  }

  private static boolean has(JsonNode list, String name) {
    for (JsonNode item : list) {
      if (name.equals(item.path("name").asText())) {
        return true;
      }
    }
    return false;
  }

  private static void add(ArrayNode patch, String path, JsonNode value) {
    patch.addObject().put("op", "add").put("path", path).set("value", value);
  }

  /** RFC 6901 escaping of a key inside a JSON pointer. */
  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
