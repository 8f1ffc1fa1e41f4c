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
}
