package dev.keychain.operator.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.operator.api.v1alpha1.NotationTrustSpec;
import dev.keychain.operator.api.v1alpha1.SignerPolicySpec;
import dev.keychain.operator.api.v1alpha1.SignerSpec;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.operator.testing.Webhooks;
import dev.keychain.testing.fixtures.Notation;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import dev.keychain.testing.fixtures.TestPki;
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
 * Notary Project signatures end to end: the real API server calls the webhook, which verifies JWS
 * and COSE signatures the real notation CLI stored in a real registry (no referrers API: the
 * referrers tag), trusting a signer's key or a CA for one subject.
 */
@QuarkusTest
@QuarkusTestResource(LocalControlPlaneResource.class)
class NotationAdmissionIT {
  static final String SUBJECT = "CN=release,O=Example,C=US";
  static Path dir;
  static OciRegistry registry;
  static Notation notation;
  static SignerSpec release;
  static SignerSpec exampleCa;
  static CosignSigner carol;

  @Inject KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("notation-admission");
    registry = OciRegistry.start(dir.resolve("registry"));
    notation = Notation.locate(dir.resolve("notation"));
    release = new SignerSpec();
    release.setName("release");
    release.setKeyId(
        KeyIds.spkiFingerprint(
            PublicKeys.fromPem(Files.readString(notation.generateTestKey("release")))));

    TestPki ca = TestPki.create("Example Code Signing CA");
    for (String subject : List.of(SUBJECT, "CN=nightly,O=Example,C=US")) {
      TestPki.Issued leaf = ca.codeSigningCertificate(subject);
      String name = subject.substring(3, subject.indexOf(','));
      Path key = dir.resolve(name + ".key");
      Files.writeString(key, leaf.privateKeyPem());
      Path chain = dir.resolve(name + "-chain.crt");
      Files.writeString(chain, leaf.certificatePem() + ca.caPem());
      notation.addKey("ca-" + name, key, chain);
    }
    exampleCa = new SignerSpec();
    exampleCa.setName("example-ca");
    exampleCa.setKeyId(KeyIds.spkiFingerprint(ca.caCertificate().getPublicKey()));
    exampleCa.setPublicKey(ca.caPem());
    exampleCa.setSubject(SUBJECT);
    carol = CosignSigner.create(dir, "carol");
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  private static TestImages.Pushed signed(String repository, String key, String format) {
    TestImages.Pushed image = registry.pushTestImage(repository, "v1", repository);
    notation.sign(key, format, image.digestReference());
    return image;
  }

  private String namespace() {
    return Webhooks.imageAdmissionNamespace(client, "notation");
  }

  private SignerWhitelist whitelist(String ns, List<SignerSpec> signers) {
    SignerWhitelist wl = new SignerWhitelist();
    wl.getMetadata().setName("notation");
    wl.getMetadata().setNamespace(ns);
    SignerWhitelistSpec spec =
        carol.whitelist(new SignerWhitelistSpec(), registry.hostPort() + "/signed/*");
    spec.getTrust().getCosign().setEnabled(false);
    spec.getTrust().setNotation(new NotationTrustSpec());
    spec.setSigners(signers);
    wl.setSpec(spec);
    return wl;
  }

  private void install(SignerWhitelist wl) {
    TestWhitelists.createReady(client, wl);
  }

  @Test
  void admitsImagesTheNotationCliSignedInJwsAndCoseAndDeniesUnsignedOnes() {
    TestImages.Pushed jws = signed("signed/jws", "release", "jws");
    TestImages.Pushed cose = signed("signed/cose", "release", "cose");
    TestImages.Pushed unsigned = registry.pushTestImage("signed/none", "v1", "none");
    String ns = namespace();
    install(whitelist(ns, List.of(release)));
    for (TestImages.Pushed image : List.of(jws, cose)) {
      Pod pod = client.resource(TestPods.pod(ns, image.tagReference())).create();
      assertEquals(
          image.tagReference() + "@" + image.digest(),
          pod.getSpec().getContainers().get(0).getImage());
    }
    String m = TestPods.denial(client, ns, unsigned.tagReference());
    assertTrue(m.contains("no signature by a whitelisted key [no notation signatures]"), m);
  }

  @Test
  void trustsACaOnlyForTheSubjectItIsListedWith() {
    TestImages.Pushed released = signed("signed/released", "ca-release", "jws");
    TestImages.Pushed nightly = signed("signed/nightly", "ca-nightly", "cose");
    String ns = namespace();
    install(whitelist(ns, List.of(exampleCa)));
    client.resource(TestPods.pod(ns, released.tagReference())).create();
    String m = TestPods.denial(client, ns, nightly.tagReference());
    assertTrue(m.contains("is not permitted key ID (notation COSE)"), m);
  }

  @Test
  void aThresholdCountsACosignAndANotationSignerAsTwo() throws Exception {
    TestImages.Pushed both = signed("signed/both", "release", "jws");
    carol.sign(both);
    TestImages.Pushed notationOnly = signed("signed/notation-only", "release", "cose");
    String ns = namespace();
    SignerWhitelist wl = whitelist(ns, List.of(release, carol.signer()));
    wl.getSpec().getTrust().getCosign().setEnabled(true);
    SignerPolicySpec two = new SignerPolicySpec();
    two.setRule("Threshold");
    two.setThreshold(2);
    wl.getSpec().setPolicy(two);
    install(wl);
    client.resource(TestPods.pod(ns, both.tagReference())).create();
    String m = TestPods.denial(client, ns, notationOnly.tagReference());
    assertTrue(m.contains("signed by 1 distinct whitelisted key(s), policy requires 2"), m);
  }

  @Test
  void apiServerRejectsASubjectWithoutItsCaCertificate() {
    String ns = namespace();
    SignerSpec bad = new SignerSpec();
    bad.setName("no-ca");
    bad.setKeyId(exampleCa.getKeyId());
    bad.setSubject(SUBJECT);
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () -> client.resource(whitelist(ns, List.of(bad))).create());
    assertEquals(422, e.getCode());
    assertTrue(
        e.getMessage()
            .contains("subject needs publicKey: the CA certificate whose key keyId names"),
        e.getMessage());
  }
}
