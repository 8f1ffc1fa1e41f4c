package dev.keychain.core.signers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.cosign.CosignSigner;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.testing.fixtures.Cosign;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import dev.keychain.testing.fixtures.TestPki;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signatures made by the real cosign CLI verify here, and ours verify with cosign. */
class CosignInteropTest {
  @TempDir static Path dir;
  static CosignRig rig;
  static OciRegistry registry;
  static Cosign cosign;
  static KeyPair alice;
  static Path aliceCosignKey;
  static Path alicePub;
  static RegistryClient client;
  static ImageSignatureVerifier verifier;
  static SignerPolicy policy;
  static final ImageSignatureVerifier.TrustSources COSIGN_ONLY = CosignRig.COSIGN_ONLY;

  @BeforeAll
  static void start() throws Exception {
    rig = CosignRig.start(dir);
    registry = rig.registry();
    cosign = rig.cosign();
    alice = rig.alice();
    aliceCosignKey = rig.aliceCosignKey();
    alicePub = rig.alicePub();
    client = rig.client();
    verifier = rig.verifier();
    policy = SignerPolicy.any(List.of(rig.aliceSigner()));
  }

  @AfterAll
  static void stop() {
    rig.close();
  }

  private static Verdict verify(TestImages.Pushed image) {
    return verifier.verify(
        ImageReference.parse(image.tagReference()), image.digest(), policy, COSIGN_ONLY);
  }

  @Test
  void admitsImageSignedByTheCosignCli() {
    TestImages.Pushed image = registry.pushTestImage("team/cli-signed", "v1", "cli");
    cosign.sign(aliceCosignKey, image.digestReference());
    Verdict v = verify(image);
    assertTrue(v.allowed(), v.message());
    assertEquals(Verdict.Reason.SIGNED, v.reason());
    assertTrue(v.message().contains("signed by alice ("), v.message());
  }

  @Test
  void cosignCliVerifiesOurSignature() throws Exception {
    TestImages.Pushed image = registry.pushTestImage("team/our-signed", "v1", "ours");
    ImageReference ref = ImageReference.parse(image.tagReference());
    new CosignSigner(alice.getPrivate()).signAndAttach(client, ref, image.digest());
    String out = cosign.verify(alicePub, image.digestReference());
    assertTrue(out.contains(image.digest()), out);
    assertTrue(verify(image).allowed());
  }

  @Test
  void cosignCliRefusesOurSignatureUnderAnotherKey() throws Exception {
    TestImages.Pushed image = registry.pushTestImage("team/other-key", "v1", "other");
    KeyPair mallory = TestPki.create("mallory").clientCertificate("mallory").keys();
    new CosignSigner(mallory.getPrivate())
        .signAndAttach(client, ImageReference.parse(image.tagReference()), image.digest());
    assertThrows(
        IllegalStateException.class, () -> cosign.verify(alicePub, image.digestReference()));
    Verdict v = verify(image);
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.NOT_PERMITTED_KEY, v.reason());
    assertEquals(
        "image "
            + image.tagReference()
            + " ("
            + image.digest()
            + "): 1 cosign signature(s), none by a whitelisted key",
        v.message());
  }

  @Test
  void deniesUnsignedImage() {
    Verdict v = verify(registry.pushTestImage("team/unsigned", "v1", "unsigned"));
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.UNSIGNED, v.reason());
    assertTrue(
        v.message().endsWith("no signature by a whitelisted key [no cosign signatures]"),
        v.message());
    assertTrue(v.cacheable());
  }

  @Test
  void signatureOfOneDigestDoesNotAdmitAnother() throws Exception {
    TestImages.Pushed signed = registry.pushTestImage("team/copied", "v1", "first");
    cosign.sign(aliceCosignKey, signed.digestReference());
    TestImages.Pushed other = registry.pushTestImage("team/copied", "v2", "second");
    // Copy the signature artifact of v1 to v2's signature tag, as an attacker with push rights can.
    byte[] sigManifest =
        client
            .fetchManifest(
                ImageReference.parse(
                    signed.registry()
                        + "/team/copied:"
                        + signed.digest().replace(':', '-')
                        + ".sig"))
            .bytes();
    client.pushManifest(
        ImageReference.parse(other.tagReference()),
        other.digest().replace(':', '-') + ".sig",
        "application/vnd.oci.image.manifest.v1+json",
        sigManifest);
    Verdict v = verify(other);
    assertFalse(v.allowed(), v.message());
    assertTrue(
        v.message().contains("cosign signature by alice is for " + signed.digest()), v.message());
  }
}
