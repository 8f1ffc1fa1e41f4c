package dev.keychain.operator.injection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The injection patch itself, applied with a small RFC 6902 "add" to pod JSON. */
class PodInjectorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PodInjector.Agent NATIVE =
      new PodInjector.Agent(
          "agent:1", "IfNotPresent", "https://op:443", "PEM", "keychain.dev/agent", 3600, true);
  private static final PodInjector.Agent PLAIN =
      new PodInjector.Agent(
          "agent:1", "IfNotPresent", "https://op:443", "PEM", "keychain.dev/agent", 3600, false);

  private final SecureInstance web = Fixtures.secureInstance("ns", "web", "tenant", "edge", "web");

  private static ObjectNode pod(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json.replace('\'', '"'));
  }

  private static final String MINIMAL =
      "{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'app','image':'a'}]}}";

  @Test
  void injectsNativeSidecarBeforeExistingInitContainers() throws Exception {
    ObjectNode pod =
        pod(
            "{'metadata':{'labels':{'app':'web'},'annotations':{'x':'y'}},'spec':{"
                + "'initContainers':[{'name':'migrate','image':'m'}],"
                + "'containers':[{'name':'app','image':'a','volumeMounts':[{'name':'d','mountPath':'/d'}]}],"
                + "'volumes':[{'name':'d','emptyDir':{}}]}}");
    var outcome = PodInjector.inject(pod, List.of(web), NATIVE);
    JsonNode patched = apply(pod, ((PodInjector.Outcome.Inject) outcome).patch());
    JsonNode inits = patched.path("spec").path("initContainers");
    assertEquals("keychain-agent-init", inits.get(0).path("name").asText());
    assertEquals("keychain-agent", inits.get(1).path("name").asText());
    assertEquals("Always", inits.get(1).path("restartPolicy").asText());
    assertEquals("migrate", inits.get(2).path("name").asText());
    assertEquals(1, patched.path("spec").path("containers").size());
    JsonNode mounts = patched.path("spec").path("containers").get(0).path("volumeMounts");
    assertEquals("keychain-key", mounts.get(1).path("name").asText());
    assertTrue(mounts.get(1).path("readOnly").asBoolean());
    assertEquals("y", patched.path("metadata").path("annotations").path("x").asText());
    assertEquals(
        "web", patched.path("metadata").path("annotations").path("keychain.dev/instance").asText());
    assertEquals(3, patched.path("spec").path("volumes").size());
  }

  @Test
  void injectsPlainSidecarAsAppContainerWhereNativeSidecarsAreMissing() throws Exception {
    ObjectNode pod = pod(MINIMAL);
    var outcome = PodInjector.inject(pod, List.of(web), PLAIN);
    JsonNode patched = apply(pod, ((PodInjector.Outcome.Inject) outcome).patch());
    assertEquals(1, patched.path("spec").path("initContainers").size());
    assertEquals(
        "keychain-agent", patched.path("spec").path("containers").get(1).path("name").asText());
    assertEquals(
        "injected", patched.path("metadata").path("labels").path("keychain.dev/agent").asText());
  }

  @Test
  void isIdempotent() throws Exception {
    ObjectNode pod = pod(MINIMAL);
    JsonNode once =
        apply(
            pod,
            ((PodInjector.Outcome.Inject) PodInjector.inject(pod, List.of(web), NATIVE)).patch());
    var again = PodInjector.inject(once, List.of(web), NATIVE);
    assertInstanceOf(PodInjector.Outcome.Skip.class, again);
  }

  @Test
  void respectsOptOutAndUnselectedPods() throws Exception {
    assertInstanceOf(
        PodInjector.Outcome.Skip.class,
        PodInjector.inject(
            pod(
                "{'metadata':{'annotations':{'keychain.dev/inject':'false'}},'spec':{'containers':[]}}"),
            List.of(web),
            NATIVE));
    assertInstanceOf(
        PodInjector.Outcome.Skip.class, PodInjector.inject(pod(MINIMAL), List.of(), NATIVE));
  }

  @Test
  void rejectsWhatItCannotInjectSafely() throws Exception {
    SecureInstance other = Fixtures.secureInstance("ns", "other", "tenant", "edge", "web");
    assertEquals(
        "pod is selected by more than one SecureInstance (web, other); an agent serves exactly one"
            + " instance: make the selectors disjoint",
        reject(pod(MINIMAL), List.of(web, other)));
    assertTrue(
        reject(
                pod(
                    "{'spec':{'containers':[{'name':'app','volumeMounts':[{'name':'x','mountPath':'/var/run/keychain'}]}]}}"),
                List.of(web))
            .startsWith("container app already mounts something at /var/run/keychain"));
    assertTrue(
        reject(pod("{'spec':{'containers':[],'volumes':[{'name':'keychain-key'}]}}"), List.of(web))
            .startsWith("pod already has a volume named keychain-key"));
    assertTrue(
        reject(
                pod(
                    "{'metadata':{'annotations':{'keychain.dev/key-path':'../etc'}},'spec':{'containers':[]}}"),
                List.of(web))
            .startsWith("annotation keychain.dev/key-path must be an absolute path"));
    assertTrue(
        reject(pod("{'spec':{'containers':[{'name':'keychain-agent'}]}}"), List.of(web))
            .startsWith("pod already has a container named"));
  }

  private static String reject(JsonNode pod, List<SecureInstance> selecting) {
    var outcome = PodInjector.inject(pod, selecting, NATIVE);
    return ((PodInjector.Outcome.Reject) outcome).message();
  }

  /** RFC 6902 "add" (the only operation the injector emits) on a copy of {@code doc}. */
  static JsonNode apply(JsonNode doc, ArrayNode patch) {
    JsonNode out = doc.deepCopy();
    for (JsonNode op : patch) {
      assertEquals("add", op.path("op").asText());
      String[] parts = op.path("path").asText().substring(1).split("/");
      JsonNode parent = out;
      for (int i = 0; i < parts.length - 1; i++) {
        String p = unescape(parts[i]);
        parent = parent.isArray() ? parent.get(Integer.parseInt(p)) : parent.get(p);
      }
      String last = unescape(parts[parts.length - 1]);
      JsonNode value = op.get("value");
      if (parent.isArray()) {
        ArrayNode array = (ArrayNode) parent;
        if (last.equals("-")) {
          array.add(value);
        } else {
          array.insert(Integer.parseInt(last), value);
        }
      } else {
        ((ObjectNode) parent).set(last, value);
      }
    }
    return out;
  }

  private static String unescape(String s) {
    return s.replace("~1", "/").replace("~0", "~");
  }
}
