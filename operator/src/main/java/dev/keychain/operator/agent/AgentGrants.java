package dev.keychain.operator.agent;

import dev.keychain.core.auth.AuthFailure;
import dev.keychain.core.auth.GrantDecider;
import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.chain.SubKeySize;
import dev.keychain.core.crypto.Hashes;
import dev.keychain.core.lifecycle.InstanceState;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.api.v1alpha1.SecureInstanceStatus;
import dev.keychain.operator.chain.ChainProblem;
import dev.keychain.operator.instance.AgentIdentity;
import dev.keychain.operator.instance.InstanceIndex;
import dev.keychain.operator.pods.AgentPodAnnotations;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Who gets which key: the policy behind a verified handshake. The token names a pod (TokenReview);
 * the pod must still exist with that UID, have been injected for the SecureInstance that selects it
 * now, and that instance must be Running. The key granted is the pod's sub key at the instance's
 * current epochs (the pending epoch while a rotation waits for acknowledgements).
 */
@Singleton
public class AgentGrants {
  private final TokenReviews tokens;
  private final AgentPods pods;
  private final InstanceIndex instances;
  private final OpenChains chains;
  private final Duration keyLifetime;

  public AgentGrants(
      TokenReviews tokens,
      AgentPods pods,
      InstanceIndex instances,
      OpenChains chains,
      @ConfigProperty(name = "keychain.agent.key-lifetime", defaultValue = "PT1H")
          Duration keyLifetime) {
    this.tokens = tokens;
    this.pods = pods;
    this.instances = instances;
    this.chains = chains;
    this.keyLifetime = keyLifetime;
  }

  /** An agent's pod and the instance it belongs to. */
  record Membership(AgentToken token, Pod pod, Optional<SecureInstance> instance) {}

  /** A decided grant and what to acknowledge once it is sent. */
  record Decided(GrantDecider.Grant grant, Pod pod, String keyId, long epoch) {}

  /** The pod the token is bound to, checked, and the instance that selects it (if any). */
  Membership membership(String token) throws AuthFailure {
    AgentToken who = tokens.review(token);
    Pod pod;
    try {
      pod = pods.get(who.namespace(), who.podName());
    } catch (KubernetesClientException e) {
      throw new AuthFailure(
          AuthFailure.Reason.UNAVAILABLE, "cannot read pod: API server answered " + e.getCode());
    }
    if (pod == null || !who.podUid().equals(pod.getMetadata().getUid())) {
      throw new AuthFailure(
          AuthFailure.Reason.INVALID_TOKEN, "token is bound to " + who + " which no longer exists");
    }
    String injectedFor = annotation(pod, AgentPodAnnotations.INSTANCE);
    if (injectedFor == null) {
      throw new AuthFailure(
          AuthFailure.Reason.INVALID_TOKEN,
          who + " was not injected with a key-chain agent: it has no key to receive");
    }
    List<SecureInstance> selecting =
        instances.selecting(who.namespace(), pod.getMetadata().getLabels());
    Optional<SecureInstance> instance =
        selecting.stream().filter(si -> si.getMetadata().getName().equals(injectedFor)).findFirst();
    return new Membership(who, pod, instance);
  }

  /** Decides the grant for a verified handshake's token. */
  Decided decide(String token) throws AuthFailure {
    Membership m = membership(token);
    Pod pod = m.pod();
    String injectedFor = annotation(pod, AgentPodAnnotations.INSTANCE);
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      throw new AuthFailure(AuthFailure.Reason.REVOKED, m.token() + " is being deleted");
    }
    SecureInstance si =
        m.instance()
            .orElseThrow(
                () ->
                    new AuthFailure(
                        AuthFailure.Reason.REVOKED,
                        "SecureInstance "
                            + injectedFor
                            + " no longer exists or no longer selects "
                            + m.token()
                            + ": its keys are revoked"));
    SecureInstanceStatus status = si.getStatus();
    if (si.getMetadata().getDeletionTimestamp() != null
        || si.getSpec().getState() == InstanceState.Deleted
        || (status != null && status.getState() == InstanceState.Deleted)) {
      throw new AuthFailure(
          AuthFailure.Reason.REVOKED,
          "SecureInstance " + injectedFor + " is Deleted: keys revoked");
    }
    if (status == null
        || status.getState() == null
        || status.getGroupEpoch() == null
        || status.getSubKeyEpoch() == null) {
      throw new AuthFailure(
          AuthFailure.Reason.UNAVAILABLE,
          "SecureInstance " + injectedFor + " has not been reconciled yet; try again");
    }
    // Restart restricts the old key while it rotates; the new (pending) epoch is what agents must
    // fetch and acknowledge for the rotation to complete.
    boolean rotating =
        status.getState() == InstanceState.Restart && status.getPendingSubKeyEpoch() != null;
    if (Boolean.TRUE.equals(status.getRestricted()) && !rotating) {
      throw new AuthFailure(
          AuthFailure.Reason.RESTRICTED,
          "SecureInstance " + injectedFor + " is " + status.getState() + ": keys are restricted");
    }
    KeyChain chain;
    try {
      chain = chains.get(si.getMetadata().getNamespace(), si.getSpec().getKeyChain());
    } catch (KubernetesClientException e) {
      throw new AuthFailure(AuthFailure.Reason.UNAVAILABLE, "cannot read KeyChain: " + e.getCode());
    }
    if (chain == null) {
      throw new AuthFailure(
          AuthFailure.Reason.UNAVAILABLE,
          "KeyChain " + si.getSpec().getKeyChain() + " does not exist");
    }
    long epoch =
        status.getPendingSubKeyEpoch() != null
            ? status.getPendingSubKeyEpoch()
            : status.getSubKeyEpoch();
    SubKeySize size =
        SubKeySize.ofBits(
            chain.getSpec().getSubKeyBits() == null ? 128 : chain.getSpec().getSubKeyBits());
    try {
      return chains.with(
          chain,
          open -> {
            ChainKey key =
                open.subKey(
                    status.getClusterGroup(),
                    status.getGroupEpoch(),
                    AgentIdentity.of(si, pod),
                    epoch,
                    size);
            Instant now = Instant.now();
            return new Decided(
                new GrantDecider.Grant(
                    key,
                    new SubKeyEpochs(open.state().rootEpoch(), status.getGroupEpoch(), epoch),
                    now.plus(keyLifetime)),
                pod,
                key.keyId().hex(),
                epoch);
          });
    } catch (ChainProblem e) {
      throw new AuthFailure(
          AuthFailure.Reason.UNAVAILABLE, "key chain unavailable: " + e.getMessage());
    }
  }

  /**
   * A short digest of everything about the instance that changes an agent's key or its right to
   * one; agents watch it and handshake again when it changes.
   */
  static String keyState(Optional<SecureInstance> instance) {
    if (instance.isEmpty()) {
      return "none";
    }
    SecureInstance si = instance.get();
    SecureInstanceStatus s = si.getStatus();
    String text =
        si.getMetadata().getUid()
            + "|"
            + si.getSpec().getState()
            + "|"
            + (si.getMetadata().getDeletionTimestamp() != null)
            + (s == null
                ? "|-"
                : "|"
                    + s.getState()
                    + "|"
                    + s.getRestricted()
                    + "|"
                    + s.getClusterGroup()
                    + "|"
                    + s.getGroupEpoch()
                    + "|"
                    + s.getSubKeyEpoch()
                    + "|"
                    + s.getPendingSubKeyEpoch());
    return HexFormat.of()
        .formatHex(Hashes.sha256(text.getBytes(StandardCharsets.UTF_8)))
        .substring(0, 32);
  }

  private static String annotation(Pod pod, String key) {
    Map<String, String> a = pod.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }
}
