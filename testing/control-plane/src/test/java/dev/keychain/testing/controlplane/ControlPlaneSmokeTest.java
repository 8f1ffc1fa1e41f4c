package dev.keychain.testing.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Proves the local control plane is a real Kubernetes API server with what later issues need. */
@LocalKubernetes(controllerManager = true)
class ControlPlaneSmokeTest {
  private static final ResourceDefinitionContext WIDGETS =
      new ResourceDefinitionContext.Builder()
          .withGroup("smoke.keychain.dev")
          .withVersion("v1")
          .withKind("Widget")
          .withPlural("widgets")
          .withNamespaced(true)
          .build();

  @Test
  void customResourceIsPatchedWithServerSideApplyAndConflictsAreDetected(LocalControlPlane plane) {
    KubernetesClient client = plane.client();
    CustomResourceDefinition crd =
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .load(getClass().getResourceAsStream("/widgets-crd.yaml"))
            .item();
    plane.installCrd(crd);
    String ns = plane.newNamespace("ssa");

    GenericKubernetesResource widget = widget(ns, Map.of("size", 3, "color", "blue"));
    GenericKubernetesResource applied =
        client
            .genericKubernetesResources(WIDGETS)
            .inNamespace(ns)
            .resource(widget)
            .fieldManager("smoke-owner")
            .serverSideApply();
    ManagedFieldsEntry entry = applied.getMetadata().getManagedFields().get(0);
    assertEquals("smoke-owner", entry.getManager());
    assertEquals("Apply", entry.getOperation());

    // The schema's default and validation run on the server.
    assertEquals("round", ((Map<?, ?>) applied.getAdditionalProperties().get("spec")).get("shape"));
    KubernetesClientException invalid =
        assertThrows(
            KubernetesClientException.class,
            () ->
                client
                    .genericKubernetesResources(WIDGETS)
                    .inNamespace(ns)
                    .resource(widget(ns, Map.of("size", 0, "color", "blue")))
                    .fieldManager("smoke-owner")
                    .serverSideApply());
    assertEquals(422, invalid.getCode());
    assertTrue(invalid.getMessage().contains("spec.size"), invalid.getMessage());

    // Another manager changing an owned field without force is a conflict.
    KubernetesClientException conflict =
        assertThrows(
            KubernetesClientException.class,
            () ->
                client
                    .genericKubernetesResources(WIDGETS)
                    .inNamespace(ns)
                    .resource(widget(ns, Map.of("size", 5, "color", "blue")))
                    .fieldManager("smoke-intruder")
                    .serverSideApply());
    assertEquals(409, conflict.getCode());
  }

  private static GenericKubernetesResource widget(String ns, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("smoke.keychain.dev/v1")
        .withKind("Widget")
        .withNewMetadata()
        .withName("w1")
        .withNamespace(ns)
        .endMetadata()
        .addToAdditionalProperties("spec", spec)
        .build();
  }

  @Test
  void apiServerCallsLoopbackWebhookAndHonoursItsDenial(LocalControlPlane plane) {
    KubernetesClient client = plane.client();
    String ns = plane.newNamespace("webhook");
    try (LoopbackWebhookServer webhook =
        LoopbackWebhookServer.start("/validate", review -> decide(review.getRequest()))) {
      ValidatingWebhookConfiguration configuration =
          new ValidatingWebhookConfigurationBuilder()
              .withNewMetadata()
              .withName("smoke-" + ns)
              .endMetadata()
              .addNewWebhook()
              .withName("deny.smoke.keychain.dev")
              .withAdmissionReviewVersions("v1")
              .withSideEffects("None")
              .withFailurePolicy("Fail")
              .withTimeoutSeconds(5)
              .withNewClientConfig()
              .withUrl(webhook.url("/validate"))
              .withCaBundle(webhook.caBundle())
              .endClientConfig()
              .withNewNamespaceSelector()
              .addToMatchLabels("kubernetes.io/metadata.name", ns)
              .endNamespaceSelector()
              .addNewRule()
              .withApiGroups("")
              .withApiVersions("v1")
              .withOperations("CREATE")
              .withResources("configmaps")
              .endRule()
              .endWebhook()
              .build();
      client.resource(configuration).create();
      try {
        // The API server picks up webhook configurations asynchronously: wait for the first call.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int probe = 0;
        while (webhook.received().isEmpty() && System.nanoTime() < deadline) {
          client
              .configMaps()
              .inNamespace(ns)
              .resource(configMap("probe-" + probe++, false))
              .create();
        }
        assertFalse(webhook.received().isEmpty(), "the API server never called the webhook");

        KubernetesClientException denied =
            assertThrows(
                KubernetesClientException.class,
                () ->
                    client.configMaps().inNamespace(ns).resource(configMap("bad", true)).create());
        assertEquals(403, denied.getCode());
        assertTrue(
            denied.getMessage().contains("label deny=true is not allowed here"),
            denied.getMessage());
        assertEquals(null, client.configMaps().inNamespace(ns).withName("bad").get());
        // by name, not the last review: the controller manager's kube-root-ca.crt may come after
        assertTrue(
            webhook.received().stream().anyMatch(r -> "bad".equals(r.getRequest().getName())),
            "the webhook never reviewed the denied ConfigMap");
      } finally {
        client.resource(configuration).delete();
      }
    }
  }

  private static AdmissionResponse decide(
      io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest request) {
    Map<String, String> labels =
        ((io.fabric8.kubernetes.api.model.HasMetadata) request.getObject())
            .getMetadata()
            .getLabels();
    boolean deny = labels != null && "true".equals(labels.get("deny"));
    return deny
        ? new AdmissionResponseBuilder()
            .withAllowed(false)
            .withStatus(
                new StatusBuilder()
                    .withCode(403)
                    .withMessage("label deny=true is not allowed here")
                    .build())
            .build()
        : new AdmissionResponseBuilder().withAllowed(true).build();
  }

  private static io.fabric8.kubernetes.api.model.ConfigMap configMap(String name, boolean deny) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("deny", Boolean.toString(deny))
        .endMetadata()
        .addToData("k", "v")
        .build();
  }

  @Test
  void podBoundTokenIsReviewedTrueUntilThePodIsDeleted(LocalControlPlane plane) {
    KubernetesClient client = plane.client();
    String ns = plane.newNamespace("tokens");
    client
        .serviceAccounts()
        .inNamespace(ns)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("app").endMetadata().build())
        .create();
    Pod pod =
        client
            .pods()
            .inNamespace(ns)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("app-0")
                    .endMetadata()
                    .withNewSpec()
                    .withServiceAccountName("app")
                    .addNewContainer()
                    .withName("app")
                    .withImage("registry.invalid/app:1")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    // The ServiceAccount admission plugin is on: the pod got a projected token volume.
    assertTrue(
        pod.getSpec().getVolumes().stream()
            .anyMatch(v -> v.getProjected() != null && v.getName().startsWith("kube-api-access")),
        "no projected service account token volume");

    TokenRequest request =
        client
            .serviceAccounts()
            .inNamespace(ns)
            .withName("app")
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withAudiences("keychain-agent")
                    .withExpirationSeconds(600L)
                    .withNewBoundObjectRef()
                    .withApiVersion("v1")
                    .withKind("Pod")
                    .withName(pod.getMetadata().getName())
                    .withUid(pod.getMetadata().getUid())
                    .endBoundObjectRef()
                    .endSpec()
                    .build());
    String token = request.getStatus().getToken();

    TokenReview valid = review(client, token, "keychain-agent");
    assertTrue(valid.getStatus().getAuthenticated(), String.valueOf(valid.getStatus().getError()));
    assertEquals("system:serviceaccount:" + ns + ":app", valid.getStatus().getUser().getUsername());
    assertEquals(
        List.of("app-0"),
        valid.getStatus().getUser().getExtra().get("authentication.kubernetes.io/pod-name"));

    TokenReview wrongAudience = review(client, token, "someone-else");
    assertFalse(Boolean.TRUE.equals(wrongAudience.getStatus().getAuthenticated()));

    client.pods().inNamespace(ns).withName("app-0").withGracePeriod(0).delete();
    client
        .pods()
        .inNamespace(ns)
        .withName("app-0")
        .waitUntilCondition(p -> p == null, 30, TimeUnit.SECONDS);
    // The API server caches successful token reviews for 10 s and checks the bound pod through an
    // informer, so the token turns invalid shortly after the pod is gone, not at once.
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    TokenReview afterDelete = review(client, token, "keychain-agent");
    while (Boolean.TRUE.equals(afterDelete.getStatus().getAuthenticated())
        && System.nanoTime() < deadline) {
      sleep(500);
      afterDelete = review(client, token, "keychain-agent");
    }
    assertFalse(Boolean.TRUE.equals(afterDelete.getStatus().getAuthenticated()));
    assertTrue(
        String.valueOf(afterDelete.getStatus().getError()).contains("invalidated"),
        "review error: " + afterDelete.getStatus().getError());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static TokenReview review(KubernetesClient client, String token, String audience) {
    return client
        .authentication()
        .v1()
        .tokenReviews()
        .create(
            new TokenReviewBuilder()
                .withNewSpec()
                .withToken(token)
                .withAudiences(audience)
                .endSpec()
                .build());
  }

  @Test
  void controllerManagerCreatesDefaultServiceAccountsInNewNamespaces(LocalControlPlane plane) {
    String ns = plane.newNamespace("kcm");
    plane.awaitServiceAccount(ns, "default");
  }
}
