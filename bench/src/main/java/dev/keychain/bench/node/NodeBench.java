package dev.keychain.bench.node;

import dev.keychain.bench.BenchResources;
import dev.keychain.scenarios.Await;
import dev.keychain.scenarios.NodeInstall;
import dev.keychain.testing.controlplane.LocalNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.Map;

/** What the load drivers on the local node share: the node check, app pods, Ready objects. */
final class NodeBench {
  private NodeBench() {}

  /** Exits 3 with the one-line reason when no node can run here. */
  static void requireNode() {
    LocalNode.unavailableReason()
        .ifPresent(
            why -> {
              System.err.println(why);
              System.exit(3);
            });
  }

  /** A pod of the node's app image labelled app={@code app}, sleeping, 1 s grace period. */
  static Pod appPod(String ns, String name, String app) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels("app", app)
        .endMetadata()
        .withNewSpec()
        .withTerminationGracePeriodSeconds(1L)
        .addNewContainer()
        .withName("app")
        .withImage(NodeInstall.APP_IMAGE)
        .withImagePullPolicy("Never")
        .withCommand("sleep", "86400")
        .endContainer()
        .endSpec()
        .build();
  }

  /**
   * Creates SecureInstance {@code name} of KeyChain "tenant" (group A, {@link
   * BenchResources#createChain}) selecting pods app={@code app}, and waits until it is Ready.
   */
  static void readyInstance(
      KubernetesClient client, String ns, String name, String app, java.time.Duration timeout) {
    client
        .genericKubernetesResources(BenchResources.INSTANCES)
        .inNamespace(ns)
        .resource(
            BenchResources.resource(
                "SecureInstance",
                ns,
                name,
                Map.of(
                    "keyChain", "tenant",
                    "clusterGroup", "A",
                    "selector", Map.of("matchLabels", Map.of("app", app)))))
        .create();
    Await.until(
        "SecureInstance " + name + " to be Ready",
        timeout,
        () -> ready(client, BenchResources.INSTANCES, ns, name));
  }

  /** Whether a keychain.dev object has condition Ready=True. */
  static boolean ready(
      KubernetesClient client, ResourceDefinitionContext context, String ns, String name) {
    GenericKubernetesResource r =
        client.genericKubernetesResources(context).inNamespace(ns).withName(name).get();
    return r != null
        && r.getAdditionalProperties().get("status") instanceof Map<?, ?> s
        && s.get("conditions") instanceof List<?> cs
        && cs.stream()
            .anyMatch(
                c ->
                    c instanceof Map<?, ?> m
                        && "Ready".equals(m.get("type"))
                        && "True".equals(m.get("status")));
  }
}
