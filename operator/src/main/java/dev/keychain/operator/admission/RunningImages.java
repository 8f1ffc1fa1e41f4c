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

  private final Whitelists whitelists;
  private final ImageAdmission admission;

  public RunningImages(Whitelists whitelists, ImageAdmission admission) {
    this.whitelists = whitelists;
    this.admission = admission;
  }

  /**
   * Judges {@code pod} by whitelist {@code name}: the SignerWhitelist of that name in the pod's
   * namespace, else the ClusterSignerWhitelist of that name.
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
    CompiledWhitelist wl = found.get();
    Map<String, ContainerStatus> statuses = new HashMap<>();
    if (pod.getStatus() != null) {
      for (List<ContainerStatus> list :
          List.of(
              nullToEmpty(pod.getStatus().getContainerStatuses()),
              nullToEmpty(pod.getStatus().getInitContainerStatuses()))) {
        list.forEach(s -> statuses.put(s.getName(), s));
      }
    }
    List<Container> containers = new ArrayList<>(nullToEmpty(pod.getSpec().getContainers()));
    containers.addAll(nullToEmpty(pod.getSpec().getInitContainers()));
    List<String> pending = new ArrayList<>();
    for (Container c : containers) {
      if (c.getName().equals(AgentPodAnnotations.INIT_CONTAINER)
          || c.getName().equals(AgentPodAnnotations.SIDECAR_CONTAINER)) {
        continue;
      }
      ImageReference spec;
      try {
        spec = ImageReference.parse(c.getImage());
      } catch (IllegalArgumentException e) {
        return new Judgement(Kind.NOT_VERIFIED, "container " + c.getName() + ": " + e.getMessage());
      }
      Optional<String> digest = reported(statuses.get(c.getName())).or(spec::digest);
      if (digest.isEmpty()) {
        pending.add(c.getName());
        continue;
      }
      if (!wl.images().matches(spec.canonicalName())) {
        return new Judgement(
            Kind.NOT_VERIFIED,
            "container "
                + c.getName()
                + " runs "
                + spec.name()
                + ", which "
                + wl.label()
                + " does not govern");
      }
      ImageReference running = spec.withDigest(digest.get());
      Verdict v = admission.verifyRunning(wl, running);
      if (!v.allowed()) {
        return new Judgement(
            v.reason() == Verdict.Reason.UNAVAILABLE ? Kind.UNKNOWN : Kind.NOT_VERIFIED,
            "container "
                + c.getName()
                + " runs "
                + running.name()
                + "@"
                + digest.get()
                + ": "
                + v.message()
                + " ("
                + wl.label()
                + ")");
      }
    }
    if (!pending.isEmpty()) {
      return new Judgement(
          Kind.NOT_REPORTED,
          "waiting for the node to report the image digests of " + String.join(", ", pending));
    }
    return new Judgement(Kind.VERIFIED, "every image is verified by " + wl.label());
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
