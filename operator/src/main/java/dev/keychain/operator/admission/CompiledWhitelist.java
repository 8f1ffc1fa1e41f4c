package dev.keychain.operator.admission;

import dev.keychain.core.oci.RegistryClient;
import dev.keychain.core.signers.ImageSignatureVerifier;
import dev.keychain.core.signers.SignerPolicy;
import java.util.List;
import java.util.Optional;

/**
 * A SignerWhitelist ready for admission: its patterns, the policy over its usable signers, its
 * trust sources and registry client. {@code unusable} says why it cannot admit anything (then every
 * image it governs is denied: a broken whitelist fails closed). {@code fingerprint} names what the
 * compilation was made from, so that an unchanged whitelist is not compiled again.
 */
record CompiledWhitelist(
    String uid,
    String namespace,
    String name,
    long generation,
    ImagePatterns images,
    boolean enforce,
    Optional<SignerPolicy> policy,
    ImageSignatureVerifier.TrustSources sources,
    RegistryClient registry,
    ImageSignatureVerifier verifier,
    String registryKey,
    String fingerprint,
    List<String> problems,
    Optional<String> unusable) {

  String id() {
    return namespace + "/" + name;
  }

  /** Names the whitelist only: the fingerprint hashes registry credentials. */
  @Override
  public String toString() {
    return "CompiledWhitelist[" + id() + " generation " + generation + "]";
  }
}
