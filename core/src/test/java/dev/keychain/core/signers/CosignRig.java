package dev.keychain.core.signers;

import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.testing.fixtures.Cosign;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A loopback registry, the real cosign CLI with alice's key imported, and a verifier reading that
 * registry: what the cosign interop tests share.
 */
record CosignRig(
    OciRegistry registry,
    Cosign cosign,
    KeyPair alice,
    Path aliceCosignKey,
    Path alicePub,
    TrustedSigner aliceSigner,
    RegistryClient client,
    ImageSignatureVerifier verifier)
    implements AutoCloseable {
  static final ImageSignatureVerifier.TrustSources COSIGN_ONLY =
      new ImageSignatureVerifier.TrustSources(Optional.empty(), Set.of(), true);

  static CosignRig start(Path dir) throws Exception {
    OciRegistry registry = OciRegistry.start(dir.resolve("registry"));
    Cosign cosign = Cosign.locate(dir.resolve("cosign"));
    KeyPair alice = TestPki.create("signers").clientCertificate("alice").keys();
    Path pem = dir.resolve("alice.pem");
    Files.writeString(pem, TestPki.pem(alice.getPrivate()));
    Path key = cosign.importKey(pem, "alice");
    RegistryClient client =
        new RegistryClient(
            Optional.empty(),
            Map.of(registry.hostPort(), new RegistryClient.Registry(true, Optional.empty())),
            Duration.ofSeconds(5));
    return new CosignRig(
        registry,
        cosign,
        alice,
        key,
        dir.resolve("cosign/alice.pub"),
        new TrustedSigner(
            "alice", KeyIds.spkiFingerprint(alice.getPublic()), Optional.of(alice.getPublic())),
        client,
        new ImageSignatureVerifier(client));
  }

  @Override
  public void close() {
    registry.close();
  }
}
