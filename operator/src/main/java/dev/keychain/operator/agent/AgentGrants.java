package dev.keychain.operator.agent;

import dev.keychain.core.auth.AuthFailure;
import dev.keychain.core.auth.GrantDecider;
import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.chain.SubKeySize;
import dev.keychain.core.crypto.Hashes;
import dev.keychain.core.keyset.InstanceKeys;
import dev.keychain.core.lifecycle.InstanceState;
import dev.keychain.operator.admission.RunningImages;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.chain.ChainProblem;
import dev.keychain.operator.chain.ChainState;
import dev.keychain.operator.chain.Keysets;
import dev.keychain.operator.chain.OpenChains;
import dev.keychain.operator.chain.SealedChain;
import dev.keychain.operator.instance.AgentIdentity;
import dev.keychain.operator.instance.InstanceIndex;
import dev.keychain.operator.pods.AgentPodAnnotations;
import dev.keychain.operator.share.ShareIndex;
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
 * now, and that instance must be Running. The key granted is the pod's sub key at the epochs the
 * chain's keyset holds for the instance (the pending epoch while a rotation waits for
 * acknowledgements); the instance's status is never consulted.
 */
@Singleton
public class AgentGrants {
  private final TokenReviews tokens;
  private final AgentPods pods;
  private final InstanceIndex instances;
  private final OpenChains chains;
  private final Keysets keysets;
  private final RunningImages runningImages;
  private final ShareIndex shareIndex;
  private final Duration keyLifetime;

  public AgentGrants(
      TokenReviews tokens,
      AgentPods pods,
      InstanceIndex instances,
      OpenChains chains,
      Keysets keysets,
      RunningImages runningImages,
      ShareIndex shareIndex,
      @ConfigProperty(name = "keychain.agent.key-lifetime", defaultValue = "PT1H")
          Duration keyLifetime) {
    this.tokens = tokens;
    this.pods = pods;
    this.instances = instances;
    this.chains = chains;
    this.keysets = keysets;
    this.runningImages = runningImages;
    this.shareIndex = shareIndex;
    this.keyLifetime = keyLifetime;
  }

  /** An agent's pod and the instance it belongs to. */
  record Membership(AgentToken token, Pod pod, Optional<SecureInstance> instance) {}

  /** A decided grant and what to acknowledge once it is sent. */
  record Decided(GrantDecider.Grant grant, Pod pod, String group, String keyId, long epoch) {}

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

  /** Decides the grant for the member a verified handshake's token names. */
  Decided decide(Membership m) throws AuthFailure {
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
    if (si.getMetadata().getDeletionTimestamp() != null
        || si.getSpec().getState() == InstanceState.Deleted) {
      throw new AuthFailure(
          AuthFailure.Reason.REVOKED,
          "SecureInstance " + injectedFor + " is Deleted: keys revoked");
    }
    Stored stored = stored(si);
    if (stored.chain() == null) {
      throw new AuthFailure(
          AuthFailure.Reason.UNAVAILABLE,
          "KeyChain " + si.getSpec().getKeyChain() + " has no keys yet; try again");
    }
    InstanceKeys keys =
        stored
            .keys()
            .orElseThrow(
                () ->
                    new AuthFailure(
                        AuthFailure.Reason.UNAVAILABLE,
                        "SecureInstance "
                            + injectedFor
                            + " has not been reconciled yet; try again"));
    if (keys.state() == InstanceState.Deleted) {
      throw new AuthFailure(
          AuthFailure.Reason.REVOKED,
          "SecureInstance " + injectedFor + " is Deleted: keys revoked");
    }
    ChainState.Group group = stored.chain().state().groups().get(keys.group());
    if (group == null || group.isRemoved()) {
      throw new AuthFailure(
          AuthFailure.Reason.RESTRICTED,
          "cluster group " + keys.group() + " of SecureInstance " + injectedFor + " was removed");
    }
    // Restart restricts the old key while it rotates; the new (pending) epoch is what agents must
    // fetch and acknowledge for the rotation to complete.
    boolean rotating = keys.state() == InstanceState.Restart && keys.pendingSubKeyEpoch() != null;
    if (keys.restricted() && !rotating) {
      throw new AuthFailure(
          AuthFailure.Reason.RESTRICTED,
          "SecureInstance " + injectedFor + " is " + keys.state() + ": keys are restricted");
    }
    verifiedImages(si, pod);
    notRestrictedByWhitelists(si, pod);
    KeyChain chain = chains.get(si.getMetadata().getNamespace(), si.getSpec().getKeyChain());
    if (chain == null) {
      throw new AuthFailure(
          AuthFailure.Reason.UNAVAILABLE,
          "KeyChain " + si.getSpec().getKeyChain() + " does not exist (or is not loaded yet)");
    }
    long epoch = keys.highestEpoch();
    long groupEpoch = group.epoch();
    long rootEpoch = stored.chain().state().rootEpoch();
    SubKeySize size =
        SubKeySize.ofBits(
            chain.getSpec().getSubKeyBits() == null ? 128 : chain.getSpec().getSubKeyBits());
    try {
      return chains.with(
          chain,
          open -> {
            ChainKey key =
                open.subKey(keys.group(), groupEpoch, AgentIdentity.of(si, pod), epoch, size);
            Instant now = Instant.now();
            return new Decided(
                new GrantDecider.Grant(
                    key, new SubKeyEpochs(rootEpoch, groupEpoch, epoch), now.plus(keyLifetime)),
                pod,
                keys.group(),
                key.keyId().hex(),
                epoch);
          });
    } catch (ChainProblem e) {
      throw new AuthFailure(
          AuthFailure.Reason.UNAVAILABLE, "key chain unavailable: " + e.getMessage());
    }
  }

  /**
   * Keys only for verified workloads: when the instance names a whitelist, every image the pod runs
   * must be verified by it. Not verified, or not known yet because the node has not reported a
   * digest the spec does not pin, is IMAGES_NOT_VERIFIED (no key for this pod, which may run); not
   * decidable now (whitelist not loaded, source unavailable) is retried, a held key kept.
   */
  private void verifiedImages(SecureInstance si, Pod pod) throws AuthFailure {
    String whitelist = si.getSpec().getSignerWhitelist();
    if (whitelist != null) {
      refuseUnlessVerified(
          si, pod, runningImages.judge(pod, whitelist), true, "runs an image not verified");
    }
  }

  /**
   * Whitelists whose runningPods action is Restrict or Evict refuse keys to every pod running an
   * image they govern and no longer verify, whatever instance it belongs to; a digest not reported
   * yet is no reason here (admission verified the pod).
   */
  private void notRestrictedByWhitelists(SecureInstance si, Pod pod) throws AuthFailure {
    Optional<RunningImages.Judgement> j = runningImages.judgeByRestrictingWhitelists(pod);
    if (j.isPresent()) {
      refuseUnlessVerified(
          si,
          pod,
          j.get(),
          false,
          "runs an image a whitelist restricting running pods no longer verifies");
    }
  }

  private static void refuseUnlessVerified(
      SecureInstance si,
      Pod pod,
      RunningImages.Judgement j,
      boolean pendingRefuses,
      String notVerified)
      throws AuthFailure {
    String who =
        "pod " + pod.getMetadata().getName() + " of SecureInstance " + si.getMetadata().getName();
    switch (j.kind()) {
      case VERIFIED -> {}
      case NOT_VERIFIED ->
          throw new AuthFailure(
              AuthFailure.Reason.IMAGES_NOT_VERIFIED, who + " " + notVerified + ": " + j.message());
      case NOT_REPORTED -> {
        if (pendingRefuses) {
          throw new AuthFailure(
              AuthFailure.Reason.IMAGES_NOT_VERIFIED,
              who + " gets its key once its images are verified: " + j.message());
        }
      }
      case UNKNOWN -> throw new AuthFailure(AuthFailure.Reason.UNAVAILABLE, j.message());
    }
  }

  /**
   * What a watch compares besides the instance's key state: the judgements on the pod's images, so
   * that an agent whose pod stops (or starts) being verified handshakes again.
   */
  String imageState(Membership m) {
    String restricting =
        runningImages
            .judgeByRestrictingWhitelists(m.pod())
            .map(j -> "|restricting=" + j.kind())
            .orElse("");
    if (m.instance().isEmpty() || m.instance().get().getSpec().getSignerWhitelist() == null) {
      return restricting;
    }
    return "|images="
        + runningImages.judge(m.pod(), m.instance().get().getSpec().getSignerWhitelist()).kind()
        + restricting;
  }

  /** The instance's chain as stored (null: no keys yet) and its row of the keyset. */
  private record Stored(SealedChain chain, Optional<InstanceKeys> keys) {}

  private Stored stored(SecureInstance si) throws AuthFailure {
    String namespace = si.getMetadata().getNamespace();
    try {
      Optional<SealedChain> chain = keysets.get(namespace, si.getSpec().getKeyChain());
      return new Stored(
          chain.orElse(null),
          chain.flatMap(c -> c.instances().get(namespace, si.getMetadata().getName())));
    } catch (ChainProblem e) {
      throw new AuthFailure(AuthFailure.Reason.UNAVAILABLE, e.getMessage());
    }
  }

  /**
   * A short digest of everything that changes an agent's key or its right to one: the instance's
   * identity and requested state, its row of the keyset with its group's epoch, and the share
   * versions it is entitled to. Agents watch it and handshake again when it changes.
   */
  String keyState(Optional<SecureInstance> instance) {
    if (instance.isEmpty()) {
      return "none";
    }
    SecureInstance si = instance.get();
    StringBuilder text =
        new StringBuilder()
            .append(si.getMetadata().getUid())
            .append('|')
            .append(si.getSpec().getState())
            .append('|')
            .append(si.getMetadata().getDeletionTimestamp() != null);
    try {
      Stored stored = stored(si);
      if (stored.keys().isEmpty()) {
        text.append("|-");
      } else {
        InstanceKeys k = stored.keys().get();
        ChainState.Group group = stored.chain().state().groups().get(k.group());
        text.append('|')
            .append(k.state())
            .append('|')
            .append(k.restricted())
            .append('|')
            .append(k.group())
            .append('|')
            .append(group == null || group.isRemoved() ? "removed" : group.epoch())
            .append('|')
            .append(k.subKeyEpoch())
            .append('|')
            .append(k.pendingSubKeyEpoch());
      }
    } catch (AuthFailure unavailable) {
      text.append("|?");
    }
    // the share versions it is entitled to: a new or withdrawn one is a reason to handshake
    text.append('|')
        .append(
            shareIndex.state(si.getMetadata().getNamespace() + "/" + si.getMetadata().getName()));
    return HexFormat.of()
        .formatHex(Hashes.sha256(text.toString().getBytes(StandardCharsets.UTF_8)))
        .substring(0, 32);
  }

  private static String annotation(Pod pod, String key) {
    Map<String, String> a = pod.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }
}
