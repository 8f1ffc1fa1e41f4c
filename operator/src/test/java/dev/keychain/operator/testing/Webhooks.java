package dev.keychain.operator.testing;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Registers the operator's webhooks on the local control plane as the chart does, pointing at the
 * operator under test on loopback, for namespaces labelled {@value #IMAGE_ADMISSION_LABEL}=enabled
 * (so that tests of other behaviour are unaffected).
 */
public final class Webhooks {
  public static final String IMAGE_ADMISSION_LABEL = "keychain.dev/image-admission";

  private Webhooks() {}

  public static synchronized void registerImageAdmission(KubernetesClient client) {
    ValidatingWebhookConfiguration config =
        new ValidatingWebhookConfigurationBuilder()
            .withNewMetadata()
            .withName("keychain-operator-images")
            .endMetadata()
            .addNewWebhook()
            .withName("images.keychain.dev")
            .withAdmissionReviewVersions("v1")
            .withSideEffects("None")
            .withFailurePolicy("Fail")
            .withTimeoutSeconds(10)
            .withNewClientConfig()
            .withUrl(LocalControlPlaneResource.webhookUrl("/admission/images"))
            .withCaBundle(
                Base64.getEncoder()
                    .encodeToString(
                        LocalControlPlaneResource.webhookCaPem()
                            .getBytes(StandardCharsets.US_ASCII)))
            .endClientConfig()
            .withNewNamespaceSelector()
            .addToMatchLabels(IMAGE_ADMISSION_LABEL, "enabled")
            .endNamespaceSelector()
            .addNewRule()
            .withApiGroups("")
            .withApiVersions("v1")
            .withOperations("CREATE", "UPDATE")
            .withResources("pods", "pods/ephemeralcontainers", "replicationcontrollers")
            .endRule()
            .addNewRule()
            .withApiGroups("apps")
            .withApiVersions("v1")
            .withOperations("CREATE", "UPDATE")
            .withResources("deployments", "replicasets", "statefulsets", "daemonsets")
            .endRule()
            .addNewRule()
            .withApiGroups("batch")
            .withApiVersions("v1")
            .withOperations("CREATE", "UPDATE")
            .withResources("jobs", "cronjobs")
            .endRule()
            .endWebhook()
            .build();
    client.resource(config).serverSideApply();
  }

  /** Labels a namespace so that the image webhook reviews its objects. */
  public static void enableImageAdmission(KubernetesClient client, String namespace) {
    client
        .namespaces()
        .withName(namespace)
        .edit(
            n -> {
              n.getMetadata().getLabels().put(IMAGE_ADMISSION_LABEL, "enabled");
              return n;
            });
  }
}
