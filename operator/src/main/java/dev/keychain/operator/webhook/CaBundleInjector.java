package dev.keychain.operator.webhook;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Writes the operator's CA bundle into the clientConfig of every webhook of the webhook
 * configurations labelled {@code keychain.dev/ca-bundle=<operator name>} (the chart labels its
 * own), so that the API server trusts the serving certificates the operator issues.
 */
@Singleton
public class CaBundleInjector {
  public static final String LABEL = "keychain.dev/ca-bundle";
  private static final Logger LOG = Logger.getLogger(CaBundleInjector.class);

  private final KubernetesClient client;
  private final String owner;

  public CaBundleInjector(
      KubernetesClient client,
      @ConfigProperty(name = "keychain.webhook.ca-bundle-owner", defaultValue = "keychain-operator")
          String owner) {
    this.client = client;
    this.owner = owner;
  }

  /**
   * Watches the labelled configurations so that one created after the operator started (the chart
   * creates them beside the Deployment) gets the bundle at once, not at the next periodic check.
   */
  void watch(java.util.function.Supplier<String> bundle) {
    var v1 = client.admissionRegistration().v1();
    Runnable inject =
        () -> {
          try {
            inject(bundle.get());
          } catch (RuntimeException e) {
            LOG.warnf("cannot inject the CA bundle: %s", e.getMessage());
          }
        };
    informers.add(
        v1.mutatingWebhookConfigurations().withLabel(LABEL, owner).inform(new OnChange<>(inject)));
    informers.add(
        v1.validatingWebhookConfigurations()
            .withLabel(LABEL, owner)
            .inform(new OnChange<>(inject)));
  }

  void stop() {
    informers.forEach(io.fabric8.kubernetes.client.informers.SharedIndexInformer::close);
  }

  private final List<io.fabric8.kubernetes.client.informers.SharedIndexInformer<?>> informers =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Runs an action on every add or update. */
  private record OnChange<T>(Runnable action)
      implements io.fabric8.kubernetes.client.informers.ResourceEventHandler<T> {
    @Override
    public void onAdd(T obj) {
      action.run();
    }

    @Override
    public void onUpdate(T oldObj, T newObj) {
      action.run();
    }

    @Override
    public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
  }

  /** Patches configurations whose bundle differs; returns how many were patched. */
  public synchronized int inject(String bundlePem) {
    String bundle =
        Base64.getEncoder().encodeToString(bundlePem.getBytes(StandardCharsets.US_ASCII));
    var v1 = client.admissionRegistration().v1();
    int patched = 0;
    // Patches go through resource(listed item): withName(..).patch would GET the object first,
    // a verb the operator's RBAC does not grant (patch is limited to the chart's two names).
    for (MutatingWebhookConfiguration c :
        v1.mutatingWebhookConfigurations().withLabel(LABEL, owner).list().getItems()) {
      List<String> current = new ArrayList<>();
      c.getWebhooks().forEach(w -> current.add(w.getClientConfig().getCaBundle()));
      patched +=
          inject(
              c,
              current,
              bundle,
              p ->
                  v1.mutatingWebhookConfigurations()
                      .resource(c)
                      .patch(PatchContext.of(PatchType.JSON), p));
    }
    for (ValidatingWebhookConfiguration c :
        v1.validatingWebhookConfigurations().withLabel(LABEL, owner).list().getItems()) {
      List<String> current = new ArrayList<>();
      c.getWebhooks().forEach(w -> current.add(w.getClientConfig().getCaBundle()));
      patched +=
          inject(
              c,
              current,
              bundle,
              p ->
                  v1.validatingWebhookConfigurations()
                      .resource(c)
                      .patch(PatchContext.of(PatchType.JSON), p));
    }
    return patched;
  }

  private static int inject(
      HasMetadata config,
      List<String> current,
      String bundle,
      java.util.function.Consumer<String> patcher) {
    if (!patch(current, bundle)) {
      return 0;
    }
    patcher.accept(jsonPatch(current.size(), bundle));
    LOG.infof("CA bundle injected into %s %s", config.getKind(), config.getMetadata().getName());
    return 1;
  }

  private static boolean patch(List<String> current, String bundle) {
    return current.stream().anyMatch(b -> !bundle.equals(b));
  }

  private static String jsonPatch(int webhooks, String bundle) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < webhooks; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append("{\"op\":\"add\",\"path\":\"/webhooks/")
          .append(i)
          .append("/clientConfig/caBundle\",\"value\":\"")
          .append(bundle)
          .append("\"}");
    }
    return out.append(']').toString();
  }
}
