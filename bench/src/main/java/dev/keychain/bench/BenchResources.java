package dev.keychain.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

/** The keychain.dev resources load drivers create, as generic resources (no operator classes). */
public final class BenchResources {
  public static final ResourceDefinitionContext KEYCHAINS = context("KeyChain", "keychains");
  public static final ResourceDefinitionContext INSTANCES =
      context("SecureInstance", "secureinstances");

  private BenchResources() {}

  public static ResourceDefinitionContext context(String kind, String plural) {
    return new ResourceDefinitionContext.Builder()
        .withGroup("keychain.dev")
        .withVersion("v1alpha1")
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }

  public static GenericKubernetesResource resource(
      String kind, String ns, String name, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("keychain.dev/v1alpha1")
        .withKind(kind)
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .addToAdditionalProperties("spec", spec)
        .build();
  }

  /** A tenant share Secret {@code share} and KeyChain {@code tenant} with the given groups. */
  public static void createChain(KubernetesClient client, String ns, String... groups) {
    byte[] share = new byte[32];
    new SecureRandom().nextBytes(share);
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("share")
                .withNamespace(ns)
                .endMetadata()
                .addToData("share", Base64.getEncoder().encodeToString(share))
                .build())
        .create();
    Arrays.fill(share, (byte) 0);
    client
        .genericKubernetesResources(KEYCHAINS)
        .inNamespace(ns)
        .resource(
            resource(
                "KeyChain",
                ns,
                "tenant",
                Map.of(
                    "tenantShareSecretRef",
                    Map.of("name", "share", "key", "share"),
                    "groups",
                    Arrays.stream(groups).map(g -> Map.of("name", g)).toList())))
        .create();
  }

  /** SecureInstance {@code app-<i>} of chain {@code tenant}, groups A and B alternating. */
  public static GenericKubernetesResource instance(String ns, int i) {
    return resource(
        "SecureInstance",
        ns,
        "app-" + i,
        Map.of(
            "keyChain",
            "tenant",
            "clusterGroup",
            i % 2 == 0 ? "A" : "B",
            "selector",
            Map.of("matchLabels", Map.of("app", "app-" + i))));
  }

  /** How many of {@code items} have condition Ready=True. */
  @SuppressWarnings("unchecked")
  public static long readyCount(java.util.List<GenericKubernetesResource> items) {
    return items.stream()
        .filter(
            r -> {
              Object status = r.getAdditionalProperties().get("status");
              if (!(status instanceof Map<?, ?> s)
                  || !(s.get("conditions") instanceof java.util.List<?> cs)) {
                return false;
              }
              return cs.stream()
                  .map(c -> (Map<String, Object>) c)
                  .anyMatch(c -> "Ready".equals(c.get("type")) && "True".equals(c.get("status")));
            })
        .count();
  }

  /** Runs {@code task} for 0..n-1 on {@code threads} client threads; fails on the first error. */
  public static void parallel(int n, int threads, java.util.function.IntConsumer task)
      throws Exception {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      java.util.List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        futures.add(pool.submit(() -> task.accept(index)));
      }
      for (java.util.concurrent.Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }
}
