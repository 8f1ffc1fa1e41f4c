package dev.keychain.operator.admission;

import dev.keychain.core.audit.AuditEventType;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistStatus;
import dev.keychain.operator.status.Conditions;
import dev.keychain.operator.status.KubernetesEvents;
import dev.keychain.operator.status.StatusPatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.util.Optional;

/**
 * Reports whether a SignerWhitelist is usable (signers whose key ID and PEM agree, a usable policy,
 * CA bundles and credentials). Admission itself follows whitelists through {@link
 * WhitelistInformer} in every replica; decision counts are metrics, per replica.
 */
@ControllerConfiguration(name = "signerwhitelist")
public class SignerWhitelistReconciler implements Reconciler<SignerWhitelist> {
  public static final String SIGNERS_VALID = "SignersValid";
  static final Duration STATUS_REFRESH = Duration.ofSeconds(15);

  private final KubernetesClient client;
  private final Whitelists whitelists;
  private final KubernetesEvents events;

  public SignerWhitelistReconciler(
      KubernetesClient client, Whitelists whitelists, KubernetesEvents events) {
    this.client = client;
    this.whitelists = whitelists;
    this.events = events;
  }

  @Override
  public UpdateControl<SignerWhitelist> reconcile(
      SignerWhitelist wl, Context<SignerWhitelist> context) {
    SignerWhitelistStatus previous =
        wl.getStatus() == null ? new SignerWhitelistStatus() : wl.getStatus();
    SignerWhitelistStatus status = new SignerWhitelistStatus();
    long generation = wl.getMetadata().getGeneration();
    status.setObservedGeneration(generation);
    status.setConditions(previous.getConditions());
    Optional<String[]> credentials = Optional.empty();
    String credentialProblem = null;
    try {
      credentials = RegistryCredentials.read(client, wl);
    } catch (RuntimeException e) {
      credentialProblem = e.getMessage();
    }
    CompiledWhitelist compiled = whitelists.install(wl, credentials);
    status.setUsableSigners(compiled.policy().map(p -> p.signers().size()).orElse(0));

    if (compiled.problems().isEmpty()) {
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              SIGNERS_VALID,
              true,
              "AllSignersUsable",
              "all " + wl.getSpec().getSigners().size() + " signers are usable",
              generation));
    } else {
      String problems = String.join("; ", compiled.problems());
      if (!Conditions.isFalseFor(previous.getConditions(), SIGNERS_VALID, "InvalidSigners")) {
        events.warning(wl, AuditEventType.STATE_CHANGED, "InvalidSigners", problems);
      }
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              SIGNERS_VALID,
              false,
              "InvalidSigners",
              problems,
              generation));
    }
    if (compiled.unusable().isPresent() || credentialProblem != null) {
      String why = compiled.unusable().orElse(credentialProblem);
      String reason = compiled.unusable().isPresent() ? "Unusable" : "CredentialsMissing";
      if (!Conditions.isFalseFor(previous.getConditions(), Conditions.READY, reason)) {
        events.warning(
            wl, AuditEventType.STATE_CHANGED, reason, why + "; images it governs are denied");
      }
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              Conditions.READY,
              false,
              reason,
              why + "; images it governs are denied",
              generation));
    } else {
      String mode = compiled.enforce() ? "Enforcing" : "Auditing";
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              Conditions.READY,
              true,
              mode,
              mode.toLowerCase()
                  + " signatures of "
                  + String.join(", ", wl.getSpec().getImages())
                  + " by "
                  + status.getUsableSigners()
                  + " signer(s)",
              generation));
    }
    // status.lastDenial is not set here: the replica that denied writes it (LastDenials) under
    // its own field manager, and leaving it out of this apply leaves it in place.
    return UpdateControl.patchStatus(StatusPatch.of(wl, status, SignerWhitelist::new))
        .rescheduleAfter(STATUS_REFRESH);
  }
}
