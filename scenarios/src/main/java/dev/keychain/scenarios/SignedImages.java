package dev.keychain.scenarios;

import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.testing.fixtures.Cosign;
import dev.keychain.testing.fixtures.ImageLayouts;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import dev.keychain.testing.fixtures.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;

/**
 * The images of the signer scenario: one signed with cosign by a signer's key, its unsigned
 * sibling, in a registry under {@code repositoryPattern}, and the signer's public key and key ID
 * (SHA-256 of its DER public key, what a SignerWhitelist lists).
 */
public record SignedImages(
    String repositoryPattern,
    String signedImage,
    String unsignedImage,
    String signerPublicKeyPem,
    boolean insecureHttp) {

  /** The signer's key ID as a SignerWhitelist lists it (SHA-256 of the DER public key). */
  public String signerKeyId() {
    return KeyIds.spkiFingerprint(PublicKeys.fromPem(signerPublicKeyPem));
  }

  /**
   * Pushes two images to {@code registry} and signs one with the real cosign CLI under a fresh
   * ECDSA key.
   */
  public static SignedImages publish(OciRegistry registry, Path dir) throws IOException {
    return publish(registry, dir, tag -> registry.pushTestImage("scenario/app", tag, tag));
  }

  /**
   * Like {@link #publish(OciRegistry, Path)}, with runnable images: {@code layouts} holds one OCI
   * layout per tag ({@code signed}, {@code unsigned}), pushed with their digests kept so that a
   * node that imported the same layouts runs exactly what was signed.
   */
  public static SignedImages publish(
      OciRegistry registry, Path dir, java.util.Map<String, Path> layouts) throws IOException {
    return publish(
        registry, dir, tag -> ImageLayouts.push(layouts.get(tag), tag, registry, "scenario/app"));
  }

  private static SignedImages publish(
      OciRegistry registry, Path dir, java.util.function.Function<String, TestImages.Pushed> push)
      throws IOException {
    Files.createDirectories(dir);
    Cosign cosign = Cosign.locate(dir);
    KeyPair signer = TestPki.create("scenario signer").clientCertificate("signer").keys();
    Path privateKey = dir.resolve("signer.pem");
    Files.writeString(privateKey, TestPki.pem(signer.getPrivate()));
    Path cosignKey = cosign.importKey(privateKey, "signer");
    TestImages.Pushed signed = push.apply("signed");
    cosign.sign(cosignKey, signed.digestReference());
    TestImages.Pushed unsigned = push.apply("unsigned");
    return new SignedImages(
        registry.hostPort() + "/scenario/**",
        signed.tagReference(),
        unsigned.tagReference(),
        Files.readString(dir.resolve("signer.pub"), StandardCharsets.US_ASCII),
        true);
  }
}
