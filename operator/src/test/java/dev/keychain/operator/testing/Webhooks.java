package dev.keychain.operator.testing;

import dev.keychain.operator.webhook.CaBundleInjector;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperationsBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * Registers the operator's webhooks on the local control plane as the chart does, pointing at the
 * operator under test on loopback, for namespaces labelled {@value #IMAGE_ADMISSION_LABEL}=enabled
 * (so that tests of other behaviour are unaffected).
 */
public final class Webhooks {
  public static final String IMAGE_ADMISSION_LABEL = "keychain.dev/image-admission";

  private Webhooks() {}

  /** The objects both image webhooks see, as in the chart. */
  private static List<RuleWithOperations> imageRules() {
    return List.of(
        rule("", "pods", "pods/ephemeralcontainers", "replicationcontrollers"),
        rule("apps", "deployments", "replicasets", "statefulsets", "daemonsets"),
        rule("batch", "jobs", "cronjobs"));
  }

  private static RuleWithOperations rule(String group, String... resources) {
    return new RuleWithOperationsBuilder()
        .withApiGroups(group)
        .withApiVersions("v1")
        .withOperations("CREATE", "UPDATE")
        .withResources(resources)
        .build();
  }

  /** Registers digest pinning (mutating) and image admission (validating), as the chart does. */
  public static synchronized void registerImageAdmission(KubernetesClient client) {
    MutatingWebhookConfiguration pinning =
        new MutatingWebhookConfigurationBuilder()
            .withNewMetadata()
            .withName("keychain-operator-images")
            .addToLabels(CaBundleInjector.LABEL, "keychain-operator")
            .endMetadata()
            .addNewWebhook()
            .withName("pins.keychain.dev")
            .withAdmissionReviewVersions("v1")
            .withSideEffects("None")
            .withFailurePolicy("Fail")
            .withReinvocationPolicy("IfNeeded")
            .withTimeoutSeconds(10)
            .withNewClientConfig()
            .withUrl(LocalControlPlaneResource.webhookUrl("/mutate/images"))
            .endClientConfig()
            .withNewNamespaceSelector()
            .addToMatchLabels(IMAGE_ADMISSION_LABEL, "enabled")
            .endNamespaceSelector()
            .withRules(imageRules())
            .endWebhook()
            .build();
    client.resource(pinning).serverSideApply();
    ValidatingWebhookConfiguration config =
        new ValidatingWebhookConfigurationBuilder()
            .withNewMetadata()
            .withName("keychain-operator-images")
            .addToLabels(CaBundleInjector.LABEL, "keychain-operator")
            .endMetadata()
            .addNewWebhook()
            .withName("images.keychain.dev")
            .withAdmissionReviewVersions("v1")
            .withSideEffects("None")
            .withFailurePolicy("Fail")
            .withTimeoutSeconds(10)
            .withNewClientConfig()
            .withUrl(LocalControlPlaneResource.webhookUrl("/admission/images"))
            .endClientConfig()
            .withNewNamespaceSelector()
            .addToMatchLabels(IMAGE_ADMISSION_LABEL, "enabled")
            .endNamespaceSelector()
            .withRules(imageRules())
            .endWebhook()
            .build();
    client.resource(config).serverSideApply();
    awaitCaBundle(client, "keychain-operator-images", true);
    awaitCaBundle(client, "keychain-operator-images", false);
  }

  /**
   * Waits until the operator has injected its CA bundle into a configuration registered without one
   * (as the chart registers them).
   */
  public static void awaitCaBundle(KubernetesClient client, String name, boolean mutating) {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      var webhooks =
          mutating
              ? client
                  .admissionRegistration()
                  .v1()
                  .mutatingWebhookConfigurations()
                  .withName(name)
                  .get()
                  .getWebhooks()
                  .stream()
                  .map(w -> w.getClientConfig().getCaBundle())
                  .toList()
              : client
                  .admissionRegistration()
                  .v1()
                  .validatingWebhookConfigurations()
                  .withName(name)
                  .get()
                  .getWebhooks()
                  .stream()
                  .map(w -> w.getClientConfig().getCaBundle())
                  .toList();
      if (webhooks.stream().allMatch(b -> b != null && !b.isEmpty())) {
        return;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("operator did not inject its CA bundle into " + name + " in 60 s");
  }

  public static final String INJECTION_LABEL = "keychain.dev/injection";

  /** Registers the agent injection webhook for namespaces labelled {@value #INJECTION_LABEL}. */
  public static synchronized void registerInjection(KubernetesClient client) {
    MutatingWebhookConfiguration config =
        new MutatingWebhookConfigurationBuilder()
            .withNewMetadata()
            .withName("keychain-operator-injection")
            .addToLabels(CaBundleInjector.LABEL, "keychain-operator")
            .endMetadata()
            .addNewWebhook()
            .withName("agents.keychain.dev")
            .withAdmissionReviewVersions("v1")
            .withSideEffects("None")
            .withFailurePolicy("Fail")
            .withReinvocationPolicy("IfNeeded")
            .withTimeoutSeconds(10)
            .withNewClientConfig()
            .withUrl(LocalControlPlaneResource.webhookUrl("/mutate/pods"))
            .endClientConfig()
            .withNewNamespaceSelector()
            .addToMatchLabels(INJECTION_LABEL, "enabled")
            .endNamespaceSelector()
            .addNewRule()
            .withApiGroups("")
            .withApiVersions("v1")
            .withOperations("CREATE")
            .withResources("pods")
            .endRule()
            .endWebhook()
            .build();
    client.resource(config).serverSideApply();
    awaitCaBundle(client, "keychain-operator-injection", true);
  }

  /** Labels a namespace so that the injection webhook sees its pods. */
  public static void enableInjection(KubernetesClient client, String namespace) {
    client
        .namespaces()
        .withName(namespace)
        .edit(
            n -> {
              n.getMetadata().getLabels().put(INJECTION_LABEL, "enabled");
              return n;
            });
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

  /** A fresh namespace {@code prefix-...} whose pods the image webhooks (registered) judge. */
  public static String imageAdmissionNamespace(KubernetesClient client, String prefix) {
    registerImageAdmission(client);
    String ns = LocalControlPlaneResource.newNamespace(prefix);
    enableImageAdmission(client, ns);
    return ns;
  }
}
