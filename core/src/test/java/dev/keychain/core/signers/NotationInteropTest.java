package dev.keychain.core.signers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.core.notation.NotationEnvelopes;
import dev.keychain.core.notation.NotationSignatures;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.testing.fixtures.Notation;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import dev.keychain.testing.fixtures.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signatures made by the real notation CLI (JWS and COSE, self-signed test keys and CA-issued
 * chains) on a registry without the referrers API (the referrers tag), and envelopes and indexes
 * the CLI would never make.
 */
class NotationInteropTest {
  static final ImageSignatureVerifier.TrustSources NOTATION_ONLY =
      new ImageSignatureVerifier.TrustSources(Optional.empty(), Set.of(), false, true);
  static final String SUBJECT = "CN=release,O=Example,C=US";

  @TempDir static Path dir;
  static CosignRig rig;
  static OciRegistry registry;
  static RegistryClient client;
  static Notation notation;
  static TrustedSigner release;
  static TestPki ca;
  static TrustedSigner caForRelease;

  @BeforeAll
  static void start() throws Exception {
    rig = CosignRig.start(dir);
    registry = rig.registry();
    client = rig.client();
    notation = Notation.locate(dir.resolve("notation"));
    PublicKey testKey = PublicKeys.fromPem(Files.readString(notation.generateTestKey("release")));
    release = new TrustedSigner("release", KeyIds.spkiFingerprint(testKey), Optional.empty());

    ca = TestPki.create("Example Code Signing CA");
    TestPki.Issued leaf = ca.codeSigningCertificate(SUBJECT);
    Path key = dir.resolve("leaf.key");
    Files.writeString(key, leaf.privateKeyPem());
    Path chain = dir.resolve("leaf-chain.crt");
    Files.writeString(chain, leaf.certificatePem() + ca.caPem());
    notation.addKey("ca-issued", key, chain);
    PublicKey caKey = ca.caCertificate().getPublicKey();
    caForRelease =
        new TrustedSigner(
            "example-ca",
            KeyIds.spkiFingerprint(caKey),
            Optional.of(caKey),
            Optional.of(new X500Principal(SUBJECT)));
  }

  @AfterAll
  static void stop() {
    rig.close();
  }

  private static Verdict verify(TestImages.Pushed image, TrustedSigner signer) {
    return verify(image, signer, Clock.systemUTC());
  }

  private static Verdict verify(TestImages.Pushed image, TrustedSigner signer, Clock clock) {
    return new ImageSignatureVerifier(client, clock)
        .verify(
            ImageReference.parse(image.tagReference()),
            image.digest(),
            SignerPolicy.any(List.of(signer)),
            NOTATION_ONLY);
  }

  private static TestImages.Pushed signed(String repository, String key, String format) {
    TestImages.Pushed image = registry.pushTestImage(repository, "v1", repository);
    notation.sign(key, format, image.digestReference());
    return image;
  }

  @Test
  void admitsImagesSignedByTheNotationCliInJwsAndCose() {
    for (String format : List.of("jws", "cose")) {
      TestImages.Pushed image = signed("notation/" + format, "release", format);
      Verdict v = verify(image, release);
      assertTrue(v.allowed(), v.message());
      assertTrue(v.message().contains("signed by release (" + release.keyId() + ")"), v.message());
    }
  }

  @Test
  void deniesANotationSignatureByAKeyNotWhitelisted() {
    TestImages.Pushed image = signed("notation/stranger", "ca-issued", "jws");
    Verdict v = verify(image, release);
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.NOT_PERMITTED_KEY, v.reason());
    assertTrue(v.message().contains("is not permitted key ID (notation JWS)"), v.message());
  }

  @Test
  void trustsACaOnlyForTheLeafSubjectItIsListedWith() {
    TestImages.Pushed image = signed("notation/ca-issued", "ca-issued", "cose");
    Verdict v = verify(image, caForRelease);
    assertTrue(v.allowed(), v.message());
    assertTrue(v.message().contains("signed by example-ca ("), v.message());
    TrustedSigner otherSubject =
        new TrustedSigner(
            "example-ca",
            caForRelease.keyId(),
            caForRelease.publicKey(),
            Optional.of(new X500Principal("CN=nightly,O=Example,C=US")));
    Verdict reordered =
        verify(
            image,
            new TrustedSigner(
                "example-ca",
                caForRelease.keyId(),
                caForRelease.publicKey(),
                Optional.of(new X500Principal("C=US, o=example, CN=release"))));
    assertTrue(reordered.allowed(), reordered.message());
    Verdict denied = verify(image, otherSubject);
    assertFalse(denied.allowed(), denied.message());
    assertEquals(Verdict.Reason.NOT_PERMITTED_KEY, denied.reason());
  }

  @Test
  void deniesCertificatesThatExpiredOrAreNotValidYet() {
    TestImages.Pushed image = signed("notation/validity", "ca-issued", "jws");
    Instant now = Instant.now();
    Verdict later =
        verify(image, caForRelease, Clock.fixed(now.plus(Duration.ofDays(30)), ZoneOffset.UTC));
    assertFalse(later.allowed());
    assertTrue(
        later.message().contains("certificate C=US,O=Example,CN=release expired at"),
        later.message());
    Verdict earlier =
        verify(image, caForRelease, Clock.fixed(now.minus(Duration.ofDays(1)), ZoneOffset.UTC));
    assertFalse(earlier.allowed());
    assertTrue(earlier.message().contains("is not valid before"), earlier.message());
  }

  /** The CLI's JWS envelope of {@code image}. */
  private static byte[] cliEnvelope(TestImages.Pushed image) throws Exception {
    ImageReference ref = ImageReference.parse(image.tagReference());
    ObjectNode index = NotationArtifacts.currentIndex(client, ref, image.digest());
    String manifest = index.get("manifests").get(0).get("digest").asText();
    var m =
        NotationArtifacts.JSON.readTree(
            client
                .fetchManifest(
                    ImageReference.parse(
                        image.registry() + "/" + ref.repository() + "@" + manifest))
                .bytes());
    return client.fetchBlob(ref, m.get("layers").get(0).get("digest").asText(), 1 << 20);
  }

  @Test
  void deniesAChainThatDoesNotChain() throws Exception {
    TestImages.Pushed image = signed("notation/unchained", "ca-issued", "jws");
    ObjectNode envelope = (ObjectNode) NotationArtifacts.JSON.readTree(cliEnvelope(image));
    // x5c is unprotected: swap the issuer for an unrelated CA; the signature still verifies
    ArrayNode x5c = (ArrayNode) envelope.get("header").get("x5c");
    x5c.set(
        1,
        Base64.getEncoder()
            .encodeToString(TestPki.create("Other CA").caCertificate().getEncoded()));
    TestImages.Pushed copy =
        registry.pushTestImage("notation/unchained2", "v1", "notation/unchained");
    // same content, same digest: a second repository holding only the tampered signature
    assertEquals(image.digest(), copy.digest());
    NotationArtifacts.attach(
        client,
        ImageReference.parse(copy.tagReference()),
        copy.digest(),
        NotationEnvelopes.JWS,
        envelope.toString().getBytes(StandardCharsets.UTF_8));
    Verdict v = verify(copy, caForRelease);
    assertFalse(v.allowed());
    assertTrue(
        v.message()
            .contains(
                "certificate chain does not chain: C=US,O=Example,CN=release is not issued by CN=Other CA"),
        v.message());
  }

  @Test
  void namesWhatIsWrongWithMalformedEnvelopes() throws Exception {
    TestImages.Pushed image = registry.pushTestImage("notation/malformed", "v1", "malformed");
    ImageReference ref = ImageReference.parse(image.tagReference());
    NotationArtifacts.attach(
        client,
        ref,
        image.digest(),
        NotationEnvelopes.JWS,
        "{\"protected\":1}".getBytes(StandardCharsets.UTF_8));
    NotationArtifacts.attach(
        client,
        ref,
        image.digest(),
        NotationEnvelopes.COSE,
        new byte[] {(byte) 0xd2, (byte) 0x84, 0x40});
    NotationArtifacts.attach(
        client, ref, image.digest(), "application/octet-stream", new byte[] {1});
    Verdict v = verify(image, release);
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.UNSIGNED, v.reason());
    assertTrue(
        v.message().contains("JWS envelope: protected must be a non-empty string"), v.message());
    assertTrue(
        v.message().contains("COSE envelope is not CBOR: length 4 exceeds the 1 bytes left"),
        v.message());
    assertTrue(
        v.message().contains("envelope type application/octet-stream is not JWS or COSE"),
        v.message());
  }

  @Test
  void notesAReferrersIndexNamingAManifestTheRegistryDoesNotHave() throws Exception {
    TestImages.Pushed image = registry.pushTestImage("notation/missing", "v1", "missing");
    ImageReference ref = ImageReference.parse(image.tagReference());
    String manifest =
        NotationArtifacts.attach(
            client,
            ref,
            image.digest(),
            NotationEnvelopes.JWS,
            "{}".getBytes(StandardCharsets.UTF_8));
    // the registry checks an index's entries when it is pushed, not after
    NotationArtifacts.delete(registry, ref, manifest);
    Verdict v = verify(image, release);
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.UNSIGNED, v.reason());
    assertTrue(
        v.message()
            .contains(
                "referrers tag "
                    + NotationSignatures.referrersTag(image.digest())
                    + " names "
                    + manifest
                    + ", which the registry does not have"),
        v.message());
  }

  @Test
  void findsSignaturesThroughTheReferrersApi() throws Exception {
    try (OciRegistry withApi = OciRegistry.startWithReferrersApi(dir.resolve("referrers-api"))) {
      TestImages.Pushed image = withApi.pushTestImage("notation/api", "v1", "referrers api");
      notation.signWithReferrersApi("release", "cose", image.digestReference());
      ImageReference ref = ImageReference.parse(image.tagReference());
      // notation also writes the referrers tag when the registry does not confirm the subject;
      // without it, only the API can find the signature
      NotationArtifacts.delete(withApi, ref, NotationSignatures.referrersTag(image.digest()));
      RegistryClient apiClient =
          new RegistryClient(
              Optional.empty(),
              java.util.Map.of(
                  withApi.hostPort(), new RegistryClient.Registry(true, Optional.empty())),
              Duration.ofSeconds(5));
      Verdict v =
          new ImageSignatureVerifier(apiClient)
              .verify(ref, image.digest(), SignerPolicy.any(List.of(release)), NOTATION_ONLY);
      assertTrue(v.allowed(), v.message());
    }
  }
}
