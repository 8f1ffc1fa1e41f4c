package dev.keychain.operator.admission;

import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.status.KubernetesEvents;
import dev.keychain.operator.status.StatusPatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reports whether a SignerWhitelist is usable (signers whose key ID and PEM agree, a usable policy,
 * CA bundles and credentials). Admission itself follows whitelists through {@link
 * WhitelistInformer} in every replica; decision counts are metrics, per replica.
 */
@ControllerConfiguration(name = "signerwhitelist")
public class SignerWhitelistReconciler implements Reconciler<SignerWhitelist> {
  public static final String SIGNERS_VALID = WhitelistReadiness.SIGNERS_VALID;
  static final Duration STATUS_REFRESH = Duration.ofSeconds(15);

  private final WhitelistReadiness readiness;

  public SignerWhitelistReconciler(
      KubernetesClient client,
      Whitelists whitelists,
      KubernetesEvents events,
      RunningPodReverification reverification,
      @ConfigProperty(name = "keychain.operator.namespace") String operatorNamespace) {
    this.readiness =
        new WhitelistReadiness(client, whitelists, events, operatorNamespace, reverification);
  }

  @Override
  public UpdateControl<SignerWhitelist> reconcile(
      SignerWhitelist wl, Context<SignerWhitelist> context) {
    return UpdateControl.patchStatus(StatusPatch.of(wl, readiness.status(wl), SignerWhitelist::new))
        .rescheduleAfter(readiness.nextLook(wl));
  }
}
