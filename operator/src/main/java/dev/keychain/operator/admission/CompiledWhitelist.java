package dev.keychain.operator.admission;

import dev.keychain.core.oci.RegistryClient;
import dev.keychain.core.signers.ImageSignatureVerifier;
import dev.keychain.core.signers.SignerPolicy;
import dev.keychain.operator.selectors.LabelSelectors;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A SignerWhitelist or ClusterSignerWhitelist (namespace "") ready for admission: the namespaces it
 * governs, its patterns, the policy over its usable signers, its trust sources and registry client.
 * {@code unusable} says why it cannot admit anything (then every image it governs is denied: a
 * broken whitelist fails closed). {@code fingerprint} names what the compilation was made from, so
 * that an unchanged whitelist is not compiled again.
 */
record CompiledWhitelist(
    String uid,
    String namespace,
    String name,
    Optional<LabelSelector> namespaceSelector,
    long generation,
    ImagePatterns images,
    boolean enforce,
    boolean pinDigests,
    RunningPodPolicy runningPods,
    Optional<SignerPolicy> policy,
    ImageSignatureVerifier.TrustSources sources,
    RegistryClient registry,
    ImageSignatureVerifier verifier,
    String registryKey,
    String fingerprint,
    List<String> problems,
    Optional<String> unusable) {

  /** "namespace/name", or the name of a cluster whitelist (names have no "/"). */
  String id() {
    return id(namespace, name);
  }

  /** The id of whitelist {@code namespace/name}; namespace "" is a ClusterSignerWhitelist. */
  static String id(String namespace, String name) {
    return namespace.isEmpty() ? name : namespace + "/" + name;
  }

  /** What denials and logs call whitelist {@code namespace/name} (namespace "": cluster). */
  static String label(String namespace, String name) {
    return (namespace.isEmpty() ? "ClusterSignerWhitelist " : "SignerWhitelist ")
        + id(namespace, name);
  }

  boolean clusterScoped() {
    return namespace.isEmpty();
  }

  /** What denials call it: "SignerWhitelist ns/name" or "ClusterSignerWhitelist name". */
  String label() {
    return label(namespace, name);
  }

  /**
   * What is done to running pods it no longer verifies: in Audit mode only reported, whatever the
   * spec says.
   */
  RunningPodPolicy.Action runningPodAction() {
    return enforce ? runningPods.action() : RunningPodPolicy.Action.REPORT;
  }

  /** Whether its agents' keys depend on it: Restrict or Evict, when enforcing. */
  boolean restrictsRunningPods() {
    return runningPodAction() != RunningPodPolicy.Action.REPORT;
  }

  /** Whether only some namespaces are governed, so that their labels must be known. */
  boolean selective() {
    return clusterScoped() && namespaceSelector.filter(LabelSelectors::selectsSome).isPresent();
  }

  /** Whether it governs {@code ns}, whose labels are {@code labels} (needed when selective). */
  boolean governs(String ns, Map<String, String> labels) {
    if (!clusterScoped()) {
      return namespace.equals(ns);
    }
    return !selective() || LabelSelectors.matches(namespaceSelector.get(), labels);
  }

  /** Names the whitelist only: the fingerprint hashes registry credentials. */
  @Override
  public String toString() {
    return "CompiledWhitelist[" + id() + " generation " + generation + "]";
  }
}
