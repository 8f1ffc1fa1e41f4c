package dev.keychain.operator.admission;

import dev.keychain.operator.api.v1alpha1.ClusterSignerWhitelist;
import dev.keychain.operator.status.KubernetesEvents;
import dev.keychain.operator.status.StatusPatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Reports whether a ClusterSignerWhitelist is usable, as {@link SignerWhitelistReconciler}. */
@ControllerConfiguration(name = "clustersignerwhitelist")
public class ClusterSignerWhitelistReconciler implements Reconciler<ClusterSignerWhitelist> {
  private final WhitelistReadiness readiness;

  public ClusterSignerWhitelistReconciler(
      KubernetesClient client,
      Whitelists whitelists,
      KubernetesEvents events,
      RunningPodReverification reverification,
      @ConfigProperty(name = "keychain.operator.namespace") String operatorNamespace) {
    this.readiness =
        new WhitelistReadiness(client, whitelists, events, operatorNamespace, reverification);
  }

  @Override
  public UpdateControl<ClusterSignerWhitelist> reconcile(
      ClusterSignerWhitelist wl, Context<ClusterSignerWhitelist> context) {
    return UpdateControl.patchStatus(
            StatusPatch.of(wl, readiness.status(wl), ClusterSignerWhitelist::new))
        .rescheduleAfter(readiness.nextLook(wl));
  }
}
