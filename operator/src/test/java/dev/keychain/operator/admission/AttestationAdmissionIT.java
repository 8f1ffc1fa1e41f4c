package dev.keychain.operator.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.operator.api.v1alpha1.AttestationSpec;
import dev.keychain.operator.api.v1alpha1.PredicateConditionSpec;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import dev.keychain.operator.status.Conditions;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.operator.testing.Webhooks;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Required attestations end to end: the real API server calls the webhook, which checks SLSA
 * provenance and SBOM attestations made by the real {@code cosign attest} in a real registry.
 */
@QuarkusTest
@QuarkusTestResource(LocalControlPlaneResource.class)
class AttestationAdmissionIT {
  static final String BUILDER =
      "https://github.com/example/.github/workflows/release.yml@refs/heads/main";
  static final String REPO = "https://github.com/example/app";
  static Path dir;
  static OciRegistry registry;
  static CosignSigner dana;

  @Inject KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("attestation-admission");
    registry = OciRegistry.start(dir.resolve("registry"));
    dana = CosignSigner.create(dir, "dana");
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  static String provenance(String builder) {
    return """
        {"buildDefinition":{"buildType":"https://actions.github.io/buildtypes/workflow/v1",
         "externalParameters":{"workflow":{"ref":"refs/heads/main","repository":"%s","path":".github/workflows/release.yml"}}},
         "runDetails":{"builder":{"id":"%s"}}}
        """
        .formatted(REPO, builder);
  }

  /** An image signed by dana, with provenance naming {@code builder} unless null. */
  static TestImages.Pushed image(String repository, String builder) throws Exception {
    TestImages.Pushed image = registry.pushTestImage(repository, "v1", repository);
    dana.sign(image);
    if (builder != null) {
      dana.attest(image, "slsaprovenance1", provenance(builder));
    }
    return image;
  }

  private static AttestationSpec provenanceFromRelease() {
    AttestationSpec a = new AttestationSpec();
    a.setPredicateType("slsaprovenance1");
    a.setBuilderId(BUILDER);
    a.setSourceRepository(REPO);
    return a;
  }

  private SignerWhitelist whitelist(String ns, String name, List<AttestationSpec> attestations) {
    SignerWhitelist wl = new SignerWhitelist();
    wl.getMetadata().setName(name);
    wl.getMetadata().setNamespace(ns);
    wl.setSpec(dana.whitelist(new SignerWhitelistSpec(), registry.hostPort() + "/built/*"));
    wl.getSpec().setAttestations(attestations);
    return wl;
  }

  private String namespace() {
    return Webhooks.imageAdmissionNamespace(client, "attest");
  }

  @Test
  void admitsOnlyImagesWhoseSignedProvenanceNamesTheRequiredBuilderAndSource() throws Exception {
    TestImages.Pushed released = image("built/released", BUILDER);
    TestImages.Pushed elsewhere = image("built/elsewhere", "https://evil.example/builder");
    TestImages.Pushed bare = image("built/bare", null);
    String ns = namespace();
    SignerWhitelist wl = whitelist(ns, "provenance", List.of(provenanceFromRelease()));
    TestWhitelists.createReady(client, wl);

    Pod admitted = client.resource(TestPods.pod(ns, released.tagReference())).create();
    assertEquals(
        released.tagReference() + "@" + released.digest(),
        admitted.getSpec().getContainers().get(0).getImage());

    String m = TestPods.denial(client, ns, elsewhere.tagReference());
    assertTrue(m.contains("signed by dana ("), m);
    assertTrue(
        m.contains(
            "but attestation slsaprovenance1 (builderId = "
                + BUILDER
                + ", sourceRepository = "
                + REPO
                + ") required: builderId is 'https://evil.example/builder', not '"
                + BUILDER
                + "' (signed by dana)"),
        m);
    String none = TestPods.denial(client, ns, bare.tagReference());
    assertTrue(
        none.contains(
            "required: none of type https://slsa.dev/provenance/v1 by a whitelisted key [no cosign"
                + " attestations]"),
        none);
  }

  @Test
  void aPointerConditionCanRequireAnyPredicateField() throws Exception {
    TestImages.Pushed released = image("built/pointer", BUILDER);
    String ns = namespace();
    AttestationSpec a = new AttestationSpec();
    a.setPredicateType("https://slsa.dev/provenance/v1");
    a.setSigners(List.of("dana"));
    PredicateConditionSpec workflow = new PredicateConditionSpec();
    workflow.setPath("/buildDefinition/externalParameters/workflow/path");
    workflow.setEquals(".github/workflows/nightly.yml");
    a.setConditions(List.of(workflow));
    SignerWhitelist wl = whitelist(ns, "nightly", List.of(a));
    TestWhitelists.createReady(client, wl);
    String m = TestPods.denial(client, ns, released.tagReference());
    assertTrue(
        m.contains(
            "/buildDefinition/externalParameters/workflow/path is '.github/workflows/release.yml',"
                + " not '.github/workflows/nightly.yml'"),
        m);
  }

  @Test
  void aWhitelistRequiringAttestationsOfAnUnknownSignerFailsClosed() throws Exception {
    TestImages.Pushed released = image("built/unknown-signer", BUILDER);
    String ns = namespace();
    AttestationSpec a = provenanceFromRelease();
    a.setSigners(List.of("erin"));
    SignerWhitelist wl = whitelist(ns, "erin", List.of(a));
    SignerWhitelist got = TestWhitelists.create(client, wl, "False");
    String ready =
        got.getStatus().getConditions().stream()
            .filter(c -> c.getType().equals(Conditions.READY))
            .findFirst()
            .orElseThrow()
            .getMessage();
    assertTrue(
        ready.contains(
            "attestations are not usable: attestation slsaprovenance1 (builderId = "
                + BUILDER
                + ", sourceRepository = "
                + REPO
                + "): signer erin is not a usable whitelisted signer with a publicKey"),
        ready);
    String m = TestPods.denial(client, ns, released.tagReference());
    assertTrue(m.contains("whitelist is not usable: attestations are not usable"), m);
  }

  @Test
  void apiServerRejectsSlsaConditionsOnAnSbomAndAttestationsWithoutCosign() {
    String ns = namespace();
    AttestationSpec sbom = new AttestationSpec();
    sbom.setPredicateType("spdxjson");
    sbom.setBuilderId(BUILDER);
    SignerWhitelist wl = whitelist(ns, "sbom", List.of(sbom));
    KubernetesClientException e =
        assertThrows(KubernetesClientException.class, () -> client.resource(wl).create());
    assertEquals(422, e.getCode());
    assertTrue(
        e.getMessage()
            .contains(
                "builderId and sourceRepository apply to SLSA provenance predicate types only"),
        e.getMessage());

    AttestationSpec ok = new AttestationSpec();
    ok.setPredicateType("spdxjson");
    SignerWhitelist noCosign = whitelist(ns, "no-cosign", List.of(ok));
    noCosign.getSpec().getTrust().getCosign().setEnabled(false);
    KubernetesClientException e2 =
        assertThrows(KubernetesClientException.class, () -> client.resource(noCosign).create());
    assertEquals(422, e2.getCode());
    assertTrue(e2.getMessage().contains("attestations need trust.cosign.enabled"), e2.getMessage());

    AttestationSpec badType = new AttestationSpec();
    badType.setPredicateType("Not A Type");
    KubernetesClientException e3 =
        assertThrows(
            KubernetesClientException.class,
            () -> client.resource(whitelist(ns, "bad-type", List.of(badType))).create());
    assertEquals(422, e3.getCode());
    assertTrue(e3.getMessage().contains("spec.attestations[0].predicateType"), e3.getMessage());
    assertNotNull(ns);
  }
}
