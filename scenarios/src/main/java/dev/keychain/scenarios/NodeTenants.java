package dev.keychain.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Tenants as the node scenarios make them, through the API as a user does: a key chain with its
 * tenant share, SecureInstances, and Deployments whose app containers read their keys from the
 * memory volume (checked with {@code kubectl exec}).
 */
public final class NodeTenants {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final PodExec exec;
  private final String appImage;
  private final String keyDir;
  private final Duration timeout;

  public NodeTenants(KubernetesClient client, String appImage, String keyDir, Duration timeout) {
    this.client = client;
    this.exec = new PodExec(client, Duration.ofSeconds(20));
    this.appImage = appImage;
    this.keyDir = keyDir;
    this.timeout = timeout;
  }

  /**
   * KeyChain "chain" (group A) in {@code ns}, SecureInstance {@code app} and a Deployment of {@code
   * replicas} pods labelled app={@code app}; returns once every pod holds its key.
   */
  public void create(String ns, String app, int replicas) {
    apply(
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: tenant-share, namespace: %1$s}
        stringData: {share: %2$s}
        ---
        apiVersion: keychain.dev/v1alpha1
        kind: KeyChain
        metadata: {name: chain, namespace: %1$s}
        spec:
          tenantShareSecretRef: {name: tenant-share, key: share}
          groups: [{name: A}]
        """
            // the chain's tenant share: exactly 32 bytes
            .formatted(ns, (ns + "-tenant-share-" + "x".repeat(32)).substring(0, 32)));
    apply(instance(ns, app));
    KeychainObjects objects = new KeychainObjects(client, ns);
    objects.awaitReady("KeyChain", "chain", timeout);
    objects.awaitReady("SecureInstance", app, timeout);
    apply(
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: %2$s, namespace: %1$s}
        spec:
          replicas: %3$d
          selector: {matchLabels: {app: %2$s}}
          template:
            metadata: {labels: {app: %2$s}}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
                - name: app
                  image: %4$s
                  imagePullPolicy: Never
                  command: [sleep, "86400"]
        """
            .formatted(ns, app, replicas, appImage));
    awaitKeys(replicas + " pod(s) of " + ns + "/" + app + " to hold their keys", ns, app, replicas);
  }

  /** SecureInstance {@code name} of chain "chain", group A, selecting pods app={@code name}. */
  public static String instance(String ns, String name) {
    return """
        apiVersion: keychain.dev/v1alpha1
        kind: SecureInstance
        metadata: {name: %2$s, namespace: %1$s}
        spec:
          keyChain: chain
          clusterGroup: A
          selector: {matchLabels: {app: %2$s}}
        """
        .formatted(ns, name);
  }

  /** The running, not terminating, pods labelled app={@code app}. */
  public List<Pod> pods(String ns, String app) {
    return client.pods().inNamespace(ns).withLabel("app", app).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> "Running".equals(p.getStatus().getPhase()))
        .toList();
  }

  /** A file under the key directory as the pod's app container reads it; empty if it cannot. */
  public Optional<String> read(String ns, Pod pod, String relativePath) {
    return exec.read(ns, pod.getMetadata().getName(), "app", keyDir + "/" + relativePath);
  }

  /**
   * Whether a path under the key directory is absent as the pod's app container sees it: {@code
   * test ! -e} exiting 0, so that a failed exec is not taken for absence.
   */
  public boolean absent(String ns, Pod pod, String relativePath) {
    return exec.run(
            ns,
            pod.getMetadata().getName(),
            "app",
            "sh",
            "-c",
            "test ! -e \"$0\"",
            keyDir + "/" + relativePath)
        .isPresent();
  }

  /** The key metadata (key.json) each running pod of {@code app} holds (pods without left out). */
  public Map<String, JsonNode> keys(String ns, String app) {
    Map<String, JsonNode> keys = new TreeMap<>();
    for (Pod pod : pods(ns, app)) {
      Optional<String> json = read(ns, pod, "key.json");
      if (json.isPresent()) {
        try {
          keys.put(pod.getMetadata().getName(), JSON.readTree(json.get()));
        } catch (IOException e) {
          throw new ScenarioFailure("unreadable key.json in " + pod.getMetadata().getName(), e);
        }
      }
    }
    return keys;
  }

  /** Waits until exactly {@code replicas} pods of {@code app} run and each holds a key. */
  public Map<String, JsonNode> awaitKeys(String what, String ns, String app, int replicas) {
    return Await.value(
        what,
        timeout,
        () -> {
          if (pods(ns, app).size() != replicas) {
            return Optional.empty();
          }
          Map<String, JsonNode> keys = keys(ns, app);
          return keys.size() == replicas ? Optional.of(keys) : Optional.empty();
        });
  }

  /** Creates every object of a YAML stream. */
  public void apply(String yaml) {
    List<HasMetadata> objects =
        client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    for (HasMetadata object : objects) {
      client.resource(object).create();
    }
  }
}
