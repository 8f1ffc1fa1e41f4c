package dev.keychain.core.signers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.attest.AttestationRequirement;
import dev.keychain.core.attest.PredicateCondition;
import dev.keychain.core.attest.PredicateTypes;
import dev.keychain.core.cosign.CosignArtifacts;
import dev.keychain.core.cosign.CosignAttestations;
import dev.keychain.core.cosign.CosignSigner;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.testing.fixtures.Cosign;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import dev.keychain.testing.fixtures.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attestations made by the real {@code cosign attest} meet or miss required attestations here, and
 * ours verify with {@code cosign verify-attestation}.
 */
class AttestationInteropTest {
  static final String BUILDER =
      "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0";
  static final String REPO = "https://github.com/example/app";

  @TempDir static Path dir;
  static CosignRig rig;
  static OciRegistry registry;
  static Cosign cosign;
  static KeyPair alice;
  static KeyPair mallory;
  static Path aliceCosignKey;
  static Path alicePub;
  static RegistryClient client;
  static ImageSignatureVerifier verifier;
  static TrustedSigner aliceSigner;
  static final ImageSignatureVerifier.TrustSources COSIGN_ONLY = CosignRig.COSIGN_ONLY;

  @BeforeAll
  static void start() throws Exception {
    rig = CosignRig.start(dir);
    registry = rig.registry();
    cosign = rig.cosign();
    alice = rig.alice();
    mallory = TestPki.create("mallory").clientCertificate("mallory").keys();
    aliceCosignKey = rig.aliceCosignKey();
    alicePub = rig.alicePub();
    client = rig.client();
    verifier = rig.verifier();
    aliceSigner = rig.aliceSigner();
  }

  @AfterAll
  static void stop() {
    rig.close();
  }

  /** An image signed by alice with the CLI. */
  private static TestImages.Pushed signedImage(String repository) {
    TestImages.Pushed image = registry.pushTestImage(repository, "v1", repository);
    cosign.sign(aliceCosignKey, image.digestReference());
    return image;
  }

  private static Path predicate(String name, String json) throws Exception {
    Path p = dir.resolve(name + ".json");
    Files.writeString(p, json);
    return p;
  }

  private static String slsaV1(String builder, String repository) {
    return """
        {"buildDefinition":{"buildType":"https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
         "externalParameters":{"workflow":{"ref":"refs/heads/main","repository":"%s","path":".github/workflows/build.yml"}},
         "resolvedDependencies":[{"uri":"git+%s@refs/heads/main","digest":{"gitCommit":"0123456789abcdef0123456789abcdef01234567"}}]},
         "runDetails":{"builder":{"id":"%s"},"metadata":{"invocationId":"run-1"}}}
        """
        .formatted(repository, repository, builder);
  }

  private static AttestationRequirement provenanceFrom(String builder, String repository) {
    String type = PredicateTypes.SLSA_PROVENANCE_V1;
    return new AttestationRequirement(
        "slsaprovenance1",
        type,
        Set.of(),
        List.of(
            PredicateCondition.builderId(type, builder),
            PredicateCondition.sourceRepository(type, repository)));
  }

  private static Verdict verify(TestImages.Pushed image, AttestationRequirement... required) {
    SignerPolicy policy = SignerPolicy.any(List.of(aliceSigner)).requiring(List.of(required));
    return verifier.verify(
        ImageReference.parse(image.tagReference()), image.digest(), policy, COSIGN_ONLY);
  }

  @Test
  void admitsImageWhoseCliProvenanceNamesTheRequiredBuilderAndSource() throws Exception {
    TestImages.Pushed image = signedImage("team/provenance");
    cosign.attest(
        aliceCosignKey,
        predicate("good-v1", slsaV1(BUILDER, REPO)),
        "slsaprovenance1",
        image.digestReference());
    Verdict v = verify(image, provenanceFrom(BUILDER, REPO + ".git"));
    assertTrue(v.allowed(), v.message());
    assertEquals(Verdict.Reason.SIGNED, v.reason());
    assertTrue(v.message().endsWith("; attested slsaprovenance1 by alice"), v.message());
  }

  @Test
  void deniesImageBuiltByAnotherBuilderNamingIt() throws Exception {
    TestImages.Pushed image = signedImage("team/other-builder");
    cosign.attest(
        aliceCosignKey,
        predicate("evil-v1", slsaV1("https://evil.example/builder", REPO)),
        "slsaprovenance1",
        image.digestReference());
    Verdict v = verify(image, provenanceFrom(BUILDER, REPO));
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.ATTESTATION_NOT_MET, v.reason());
    assertTrue(
        v.message()
            .contains(
                "attestation slsaprovenance1 (builderId = "
                    + BUILDER
                    + ", sourceRepository = "
                    + REPO
                    + ") required: builderId is 'https://evil.example/builder', not '"
                    + BUILDER
                    + "' (signed by alice)"),
        v.message());
    assertTrue(v.cacheable());
  }

  @Test
  void matchesSourceRepositoryOfCliProvenanceV02() throws Exception {
    TestImages.Pushed image = signedImage("team/provenance-v02");
    String v02 =
        """
        {"builder":{"id":"%s"},"buildType":"https://github.com/slsa-framework/slsa-github-generator/container@v1",
         "invocation":{"configSource":{"uri":"git+%s@refs/heads/main","digest":{"sha1":"0123456789abcdef0123456789abcdef01234567"},"entryPoint":".github/workflows/build.yml"}}}
        """
            .formatted(BUILDER, REPO);
    cosign.attest(aliceCosignKey, predicate("v02", v02), "slsaprovenance", image.digestReference());
    String type = PredicateTypes.SLSA_PROVENANCE_V02;
    AttestationRequirement fromRepo =
        new AttestationRequirement(
            "slsaprovenance",
            type,
            Set.of("alice"),
            List.of(PredicateCondition.sourceRepository(type, "https://GitHub.com/example/app/")));
    Verdict v = verify(image, fromRepo);
    assertTrue(v.allowed(), v.message());
    AttestationRequirement otherRepo =
        new AttestationRequirement(
            "slsaprovenance",
            type,
            Set.of(),
            List.of(PredicateCondition.sourceRepository(type, "https://github.com/example/fork")));
    Verdict denied = verify(image, otherRepo);
    assertFalse(denied.allowed());
    assertTrue(
        denied.message().contains("sourceRepository is 'git+" + REPO + "@refs/heads/main', not"),
        denied.message());
  }

  @Test
  void requiresAnSbomWhateverItSays() throws Exception {
    TestImages.Pushed image = signedImage("team/sbom");
    AttestationRequirement sbom =
        new AttestationRequirement("spdxjson", PredicateTypes.SPDX, Set.of(), List.of());
    Verdict before = verify(image, sbom);
    assertFalse(before.allowed());
    assertTrue(
        before
            .message()
            .endsWith(
                "but attestation spdxjson required: none of type https://spdx.dev/Document by a"
                    + " whitelisted key [no cosign attestations]"),
        before.message());
    cosign.attest(
        aliceCosignKey,
        predicate(
            "spdx",
            "{\"spdxVersion\":\"SPDX-2.3\",\"SPDXID\":\"SPDXRef-DOCUMENT\",\"name\":\"app\",\"packages\":[]}"),
        "spdxjson",
        image.digestReference());
    Verdict after = verify(image, sbom);
    assertTrue(after.allowed(), after.message());
  }

  @Test
  void ignoresAttestationByAKeyNotWhitelisted() throws Exception {
    TestImages.Pushed image = signedImage("team/mallory-attests");
    ImageReference ref = ImageReference.parse(image.tagReference());
    new CosignSigner(mallory.getPrivate())
        .attestAndAttach(
            client, ref, image.digest(), PredicateTypes.SLSA_PROVENANCE_V1, slsaV1(BUILDER, REPO));
    Verdict v = verify(image, provenanceFrom(BUILDER, REPO));
    assertFalse(v.allowed());
    assertTrue(
        v.message()
            .contains(
                "none of type https://slsa.dev/provenance/v1 by a whitelisted key [attestation "
                    + CosignArtifacts.attestationTag(image.digest())
                    + " layers[0]: signed by no whitelisted key]"),
        v.message());
  }

  @Test
  void cosignCliVerifiesOurAttestation() throws Exception {
    TestImages.Pushed image = signedImage("team/our-attestation");
    new CosignSigner(alice.getPrivate())
        .attestAndAttach(
            client,
            ImageReference.parse(image.tagReference()),
            image.digest(),
            PredicateTypes.SLSA_PROVENANCE_V1,
            slsaV1(BUILDER, REPO));
    String out = cosign.verifyAttestation(alicePub, "slsaprovenance1", image.digestReference());
    assertTrue(out.contains("payloadType"), out);
    assertThrows(
        IllegalStateException.class,
        () -> cosign.verifyAttestation(alicePub, "spdxjson", image.digestReference()));
    assertTrue(verify(image, provenanceFrom(BUILDER, REPO)).allowed());
  }

  @Test
  void attestationOfOneDigestDoesNotCountForAnother() throws Exception {
    TestImages.Pushed attested = signedImage("team/copied-attestation");
    cosign.attest(
        aliceCosignKey,
        predicate("copied", slsaV1(BUILDER, REPO)),
        "slsaprovenance1",
        attested.digestReference());
    TestImages.Pushed other = registry.pushTestImage("team/copied-attestation", "v2", "second");
    cosign.sign(aliceCosignKey, other.digestReference());
    ImageReference repo = ImageReference.parse(attested.tagReference());
    byte[] manifest =
        client
            .fetchManifest(
                ImageReference.parse(
                    attested.registry()
                        + "/team/copied-attestation:"
                        + CosignArtifacts.attestationTag(attested.digest())))
            .bytes();
    client.pushManifest(
        repo,
        CosignArtifacts.attestationTag(other.digest()),
        "application/vnd.oci.image.manifest.v1+json",
        manifest);
    Verdict v = verify(other, provenanceFrom(BUILDER, REPO));
    assertFalse(v.allowed());
    assertTrue(
        v.message().contains("by alice is about " + attested.digest() + ", not " + other.digest()),
        v.message());
  }

  @Test
  void refusesAnAttestationBlobLargerThanTheBoundWithoutReadingIt() throws Exception {
    TestImages.Pushed image = signedImage("team/huge-attestation");
    byte[] huge = new byte[100 * 1024 * 1024];
    java.util.Arrays.fill(huge, (byte) ' ');
    huge[0] = '{';
    huge[huge.length - 1] = '}';
    CosignAttestations.attach(
        client,
        ImageReference.parse(image.tagReference()),
        image.digest(),
        PredicateTypes.SLSA_PROVENANCE_V1,
        huge);
    Verdict v = verify(image, provenanceFrom(BUILDER, REPO));
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.TRUST_DATA_INVALID, v.reason());
    assertTrue(
        v.message().contains("exceeds " + CosignAttestations.MAX_ENVELOPE_BYTES + " bytes"),
        v.message());
  }

  @Test
  void namesWhatIsWrongWithAMalformedAttestation() throws Exception {
    TestImages.Pushed image = signedImage("team/malformed-attestation");
    ImageReference ref = ImageReference.parse(image.tagReference());
    String type = PredicateTypes.SLSA_PROVENANCE_V1;
    CosignAttestations.attach(
        client, ref, image.digest(), type, "not json".getBytes(StandardCharsets.UTF_8));
    CosignAttestations.attach(
        client,
        ref,
        image.digest(),
        type,
        "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"%%%\",\"signatures\":[{\"sig\":\"AA==\"}]}"
            .getBytes(StandardCharsets.UTF_8));
    Verdict v = verify(image, provenanceFrom(BUILDER, REPO));
    assertFalse(v.allowed());
    String tag = CosignArtifacts.attestationTag(image.digest());
    assertTrue(
        v.message().contains("attestation " + tag + " layers[0]: invalid JSON"), v.message());
    assertTrue(
        v.message().contains("attestation " + tag + " layers[1]: payload: is not base64"),
        v.message());
  }
}
