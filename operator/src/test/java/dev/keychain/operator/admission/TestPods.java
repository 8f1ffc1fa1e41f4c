package dev.keychain.operator.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.concurrent.atomic.AtomicInteger;

/** One-container pods for admission tests, and the denial a pod gets. */
final class TestPods {
  private static final AtomicInteger NAMES = new AtomicInteger();

  private TestPods() {}

  /** A pod of a fresh name running {@code image}. */
  static Pod pod(String ns, String image) {
    return pod(ns, "p" + NAMES.incrementAndGet(), java.util.Map.of(), image);
  }

  /** A pod {@code name} with {@code labels} running {@code image} in container "app". */
  static Pod pod(String ns, String name, java.util.Map<String, String> labels, String image) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels(labels)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage(image)
        .endContainer()
        .endSpec()
        .build();
  }

  /** The message of the 403 that creating a pod of {@code image} gets. */
  static String denial(KubernetesClient client, String ns, String image) {
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class, () -> client.resource(pod(ns, image)).create());
    assertEquals(403, e.getCode(), e.getMessage());
    return e.getStatus().getMessage();
  }
}
