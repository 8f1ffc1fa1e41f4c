package dev.keychain.core.signers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.core.tuf.NotaryServerSource;
import dev.keychain.core.tuf.NotaryVerifier;
import dev.keychain.testing.fixtures.ContentTrustScenario;
import dev.keychain.testing.fixtures.NotaryClient;
import dev.keychain.testing.fixtures.NotaryServer;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 002's scenario with the real registry and notary: the legitimate signer's image is admitted;
 * an attacker who controls the signing server publishes his own delegation and signs his image with
 * his own key, and is refused because his key ID is not whitelisted.
 */
class NotarySignerWhitelistTest {
  @TempDir static Path dir;
  static OciRegistry registry;
  static NotaryServer notary;
  static NotaryClient publisher;
  static String gun;
  static String aliceId;
  static String malloryId;
  static TestImages.Pushed legit;
  static TestImages.Pushed malicious;
  static SignerPolicy policy;
  static ImageSignatureVerifier verifier;
  static ImageSignatureVerifier.TrustSources sources;

  @BeforeAll
  static void publish() throws Exception {
    registry = OciRegistry.start(dir.resolve("registry"));
    notary = NotaryServer.start(dir.resolve("notary"));
    ContentTrustScenario scenario = ContentTrustScenario.publish(registry, notary, dir, "evil");
    publisher = scenario.publisher();
    gun = scenario.gun();
    legit = scenario.legit();
    malicious = scenario.malicious();
    aliceId =
        KeyIds.notaryCanonicalId(PublicKeys.fromPem(Files.readString(scenario.aliceCertificate())));
    malloryId =
        KeyIds.notaryCanonicalId(
            PublicKeys.fromPem(Files.readString(scenario.malloryCertificate())));

    RegistryClient client =
        new RegistryClient(
            Optional.empty(),
            Map.of(registry.hostPort(), new RegistryClient.Registry(true, Optional.empty())),
            Duration.ofSeconds(5));
    verifier = new ImageSignatureVerifier(client);
    policy = SignerPolicy.any(List.of(new TrustedSigner("alice", aliceId, Optional.empty())));
    sources = sources(notary.url());
  }

  static ImageSignatureVerifier.TrustSources sources(String url) {
    NotaryVerifier nv =
        new NotaryVerifier(
            new NotaryServerSource(
                URI.create(url),
                Optional.of(notary.pki().trustingContext()),
                Duration.ofSeconds(3)),
            Clock.systemUTC());
    return new ImageSignatureVerifier.TrustSources(
        Optional.of(nv), Set.of(publisher.rootKeyId()), false);
  }

  @AfterAll
  static void stop() {
    registry.close();
    notary.close();
  }

  private static Verdict verify(
      String reference, String digest, ImageSignatureVerifier.TrustSources s) {
    return verifier.verify(ImageReference.parse(reference), digest, policy, s);
  }

  @Test
  void admitsImageSignedByWhitelistedDelegationKey() {
    Verdict v = verify(legit.tagReference(), legit.digest(), sources);
    assertTrue(v.allowed(), v.message());
    assertEquals(List.of("alice (" + aliceId + ")"), v.matchedSigners());
  }

  @Test
  void deniesImageSignedByTheAttackersOwnDelegation() {
    Verdict v = verify(malicious.tagReference(), malicious.digest(), sources);
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.NOT_PERMITTED_KEY, v.reason());
    assertEquals(
        "image "
            + malicious.tagReference()
            + " ("
            + malicious.digest()
            + "): "
            + malloryId
            + " is not permitted key ID (notary role targets/mallory)",
        v.message());
  }

  @Test
  void deniesDigestPinnedImageNobodySigned() {
    TestImages.Pushed unsigned = registry.pushTestImage("edge/app", "unsigned", "nobody");
    Verdict v = verify(unsigned.digestReference(), unsigned.digest(), sources);
    assertEquals(Verdict.Reason.UNSIGNED, v.reason());
    assertTrue(
        v.message().contains("notary has no signed target with digest " + unsigned.digest()),
        v.message());
  }

  @Test
  void deniesTagMovedToAnUnsignedDigest() {
    TestImages.Pushed moved = registry.pushTestImage("edge/app", "moved", "moved");
    // the registry now serves other content under the signed tag 1.0.0
    Verdict v = verify(legit.tagReference(), moved.digest(), sources);
    assertEquals(Verdict.Reason.TAG_MOVED, v.reason(), v.message());
    assertTrue(
        v.message().contains("notary role targets/releases signs '1.0.0' as " + legit.digest()),
        v.message());
  }

  @Test
  void deniesWhenNotaryIsUnreachableAndDoesNotCacheIt() {
    Verdict v = verify(legit.tagReference(), legit.digest(), sources("https://127.0.0.1:1"));
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.UNAVAILABLE, v.reason());
    assertFalse(v.cacheable());
    assertTrue(v.message().contains("notary server 127.0.0.1:1 unreachable"), v.message());
  }
}
