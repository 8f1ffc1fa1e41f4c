package dev.keychain.operator.admission;

import dev.keychain.core.audit.AuditEventType;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistStatus;
import dev.keychain.operator.status.Conditions;
import dev.keychain.operator.status.KubernetesEvents;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Optional;

/**
 * The status of a SignerWhitelist or ClusterSignerWhitelist: whether its signers, policy, CA
 * bundles and credentials are usable (conditions SignersValid and Ready), with a warning event when
 * it becomes unusable. Compiling it also installs it for admission in this replica.
 */
final class WhitelistReadiness {
  static final String SIGNERS_VALID = "SignersValid";

  private final KubernetesClient client;
  private final Whitelists whitelists;
  private final KubernetesEvents events;
  private final String operatorNamespace;
  private final RunningPodReverification reverification;

  WhitelistReadiness(
      KubernetesClient client,
      Whitelists whitelists,
      KubernetesEvents events,
      String operatorNamespace,
      RunningPodReverification reverification) {
    this.reverification = reverification;
    this.client = client;
    this.whitelists = whitelists;
    this.events = events;
    this.operatorNamespace = operatorNamespace;
  }

  /**
   * The status to apply; status.lastDenial is left out: the replica that denied writes it
   * (LastDenials) under its own field manager, and leaving it out of this apply leaves it in place.
   */
  SignerWhitelistStatus status(
      CustomResource<? extends SignerWhitelistSpec, SignerWhitelistStatus> wl) {
    SignerWhitelistSpec spec = wl.getSpec();
    SignerWhitelistStatus previous =
        wl.getStatus() == null ? new SignerWhitelistStatus() : wl.getStatus();
    SignerWhitelistStatus status = new SignerWhitelistStatus();
    long generation = wl.getMetadata().getGeneration();
    status.setObservedGeneration(generation);
    status.setConditions(previous.getConditions());
    Optional<String[]> credentials = Optional.empty();
    String credentialProblem = null;
    try {
      credentials = RegistryCredentials.read(client, wl, operatorNamespace);
    } catch (RuntimeException e) {
      credentialProblem = e.getMessage();
    }
    CompiledWhitelist compiled = whitelists.install(wl, credentials);
    status.setUsableSigners(compiled.policy().map(p -> p.signers().size()).orElse(0));
    status.setRunningPods(reverification.status(compiled, previous.getRunningPods()));

    if (compiled.problems().isEmpty()) {
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              SIGNERS_VALID,
              true,
              "AllSignersUsable",
              "all " + spec.getSigners().size() + " signers are usable",
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
                  + String.join(", ", spec.getImages())
                  + " by "
                  + status.getUsableSigners()
                  + " signer(s)",
              generation));
    }
    return status;
  }

  /**
   * When to look again: the status refresh, or sooner when the running pods of {@code wl} are due
   * for verification.
   */
  Duration nextLook(CustomResource<? extends SignerWhitelistSpec, SignerWhitelistStatus> wl) {
    Duration refresh = SignerWhitelistReconciler.STATUS_REFRESH;
    Optional<CompiledWhitelist> compiled =
        whitelists.get(WhitelistCompiler.namespaceOf(wl), wl.getMetadata().getName());
    if (compiled.isEmpty()) {
      return refresh;
    }
    Duration due = reverification.untilDue(compiled.get()).plusSeconds(1);
    return due.compareTo(refresh) < 0 ? due : refresh;
  }
}
