package dev.keychain.operator.admission;

import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.signers.Verdict;
import dev.keychain.operator.pods.AgentPodAnnotations;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a pod runs only images a whitelist verifies, judged by what the node runs: the digest of
 * each container's {@code imageID} in the pod's status, or, before the node reports one (while the
 * agent's init container enrols), the digest the spec pins (the node cannot run another content for
 * a reference by digest). A tag alone is never enough. The agent's own containers are the
 * operator's and are not judged.
 */
@Singleton
public class RunningImages {
  private static final Pattern DIGEST = Pattern.compile("@(sha256:[0-9a-f]{64})$");

  /** The judgement on a pod. */
  public enum Kind {
    VERIFIED,
    NOT_VERIFIED,
    /** A container's digest is not known yet: neither reported by the node nor pinned. */
    NOT_REPORTED,
    /** Cannot be decided now (whitelist not loaded, registry or notary unavailable): retry. */
    UNKNOWN
  }

  public record Judgement(Kind kind, String message) {}

  /** How long a grant waits for a namespace's labels (cluster whitelists selecting by label). */
  private static final java.time.Duration LABELS_WAIT = java.time.Duration.ofSeconds(2);

  private final Whitelists whitelists;
  private final ImageAdmission admission;
  private final NamespaceLabels namespaceLabels;

  public RunningImages(
      Whitelists whitelists, ImageAdmission admission, NamespaceLabels namespaceLabels) {
    this.whitelists = whitelists;
    this.admission = admission;
    this.namespaceLabels = namespaceLabels;
  }

  /**
   * Judges {@code pod} by whitelist {@code name}: the SignerWhitelist of that name in the pod's
   * namespace, else the ClusterSignerWhitelist of that name. Every container must run an image it
   * governs and verifies.
   */
  public Judgement judge(Pod pod, String name) {
    String ns = pod.getMetadata().getNamespace();
    Optional<CompiledWhitelist> found = whitelists.get(ns, name).or(() -> whitelists.get("", name));
    if (found.isEmpty()) {
      return new Judgement(
          Kind.UNKNOWN,
          "SignerWhitelist "
              + ns
              + "/"
              + name
              + " (or a ClusterSignerWhitelist "
              + name
              + ") does not exist or is not loaded yet");
    }
    return judge(pod, found.get(), false).orElseThrow();
  }

  /** Whether {@code wl} as it is now (its generation) is what judgements are made with. */
  public boolean compiledAsOf(io.fabric8.kubernetes.api.model.HasMetadata wl) {
    return whitelists
        .get(WhitelistCompiler.namespaceOf(wl), wl.getMetadata().getName())
        .filter(c -> c.generation() == wl.getMetadata().getGeneration())
        .isPresent();
  }

  /**
   * Judges the containers of {@code pod} whose images {@code wl} governs (the others are not its
   * business); empty when it governs none of them.
   */
  Optional<Judgement> judgeGoverned(Pod pod, CompiledWhitelist wl) {
    return judge(pod, wl, true);
  }

  /**
   * The judgement of the whitelists that restrict running pods they no longer verify (runningPods
   * action Restrict or Evict), on the containers each governs: the first that is not VERIFIED, else
   * VERIFIED; empty when none governs the pod. A digest not reported yet is no judgement here:
   * admission verified the pod, and the node reports soon.
   */
  public Optional<Judgement> judgeByRestrictingWhitelists(Pod pod) {
    if (!whitelists.anyRestricting()) {
      return Optional.empty();
    }
    String ns = pod.getMetadata().getNamespace();
    Map<String, String> labels = Map.of();
    if (whitelists.needNamespaceLabels()) {
      Optional<Map<String, String>> known =
          namespaceLabels.await(ns, System.nanoTime() + LABELS_WAIT.toNanos());
      if (known.isEmpty()) {
        return Optional.of(
            new Judgement(
                Kind.UNKNOWN, "namespace " + ns + " is not known to the operator yet; retry"));
      }
      labels = known.get();
    }
    Optional<Judgement> verified = Optional.empty();
    for (CompiledWhitelist wl : whitelists.restricting(ns, labels)) {
      Optional<Judgement> j = judge(pod, wl, true);
      if (j.isEmpty() || j.get().kind() == Kind.NOT_REPORTED) {
        continue;
      }
      if (j.get().kind() != Kind.VERIFIED) {
        return j;
      }
      verified = j;
    }
    return verified;
  }

  private Optional<Judgement> judge(Pod pod, CompiledWhitelist wl, boolean governedOnly) {
    Map<String, ContainerStatus> statuses = new HashMap<>();
    if (pod.getStatus() != null) {
      for (List<ContainerStatus> list :
          List.of(
              nullToEmpty(pod.getStatus().getContainerStatuses()),
              nullToEmpty(pod.getStatus().getInitContainerStatuses()),
              nullToEmpty(pod.getStatus().getEphemeralContainerStatuses()))) {
        list.forEach(s -> statuses.put(s.getName(), s));
      }
    }
    // every container the pod runs: ephemeral (debug) containers too
    record Named(String name, String image) {}
    List<Named> containers = new ArrayList<>();
    for (Container c : nullToEmpty(pod.getSpec().getContainers())) {
      containers.add(new Named(c.getName(), c.getImage()));
    }
    for (Container c : nullToEmpty(pod.getSpec().getInitContainers())) {
      containers.add(new Named(c.getName(), c.getImage()));
    }
    for (var c : nullToEmpty(pod.getSpec().getEphemeralContainers())) {
      containers.add(new Named(c.getName(), c.getImage()));
    }
    List<String> pending = new ArrayList<>();
    boolean governsAny = false;
    for (Named c : containers) {
      if (c.name().equals(AgentPodAnnotations.INIT_CONTAINER)
          || c.name().equals(AgentPodAnnotations.SIDECAR_CONTAINER)) {
        continue;
      }
      ImageReference spec;
      try {
        spec = ImageReference.parse(c.image());
      } catch (IllegalArgumentException e) {
        return Optional.of(
            new Judgement(Kind.NOT_VERIFIED, "container " + c.name() + ": " + e.getMessage()));
      }
      boolean governed = wl.images().matches(spec.canonicalName());
      if (!governed && governedOnly) {
        continue;
      }
      governsAny = true;
      Optional<String> digest = reported(statuses.get(c.name())).or(spec::digest);
      if (digest.isEmpty()) {
        pending.add(c.name());
        continue;
      }
      if (!governed) {
        return Optional.of(
            new Judgement(
                Kind.NOT_VERIFIED,
                "container "
                    + c.name()
                    + " runs "
                    + spec.name()
                    + ", which "
                    + wl.label()
                    + " does not govern"));
      }
      if (wl.unusable().isPresent()) {
        // an unusable whitelist (a typo in it) denies admission but says nothing against what
        // already runs: undecided, never a reason to restrict or evict
        return Optional.of(new Judgement(Kind.UNKNOWN, wl.label() + ": " + wl.unusable().get()));
      }
      ImageReference running = spec.withDigest(digest.get());
      Verdict v = admission.verifyRunning(wl, running);
      if (!v.allowed()) {
        return Optional.of(
            new Judgement(
                v.reason() == Verdict.Reason.UNAVAILABLE ? Kind.UNKNOWN : Kind.NOT_VERIFIED,
                "container "
                    + c.name()
                    + " runs "
                    + running.name()
                    + "@"
                    + digest.get()
                    + ": "
                    + v.message()
                    + " ("
                    + wl.label()
                    + ")"));
      }
    }
    if (governedOnly && !governsAny) {
      return Optional.empty();
    }
    if (!pending.isEmpty()) {
      return Optional.of(
          new Judgement(
              Kind.NOT_REPORTED,
              "waiting for the node to report the image digests of " + String.join(", ", pending)));
    }
    return Optional.of(new Judgement(Kind.VERIFIED, "every image is verified by " + wl.label()));
  }

  /** The digest of the image a container status says runs, if any. */
  private static Optional<String> reported(ContainerStatus s) {
    if (s == null || s.getImageID() == null) {
      return Optional.empty();
    }
    Matcher m = DIGEST.matcher(s.getImageID());
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
