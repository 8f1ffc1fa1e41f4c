package dev.keychain.operator.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.operator.testing.Webhooks;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Digest pinning on the real API server: the mutating webhook rewrites verified images of pods and
 * pod templates to the digest that was verified, so that a tag moved afterwards changes nothing
 * that was admitted; images that are not verified, or whose whitelist turns pinning off, are left
 * as written. Signatures are made by the real cosign CLI in a real registry.
 */
@QuarkusTest
@QuarkusTestResource(LocalControlPlaneResource.class)
class DigestPinningIT {
  static Path dir;
  static OciRegistry registry;
  static CosignSigner carol;
  static TestImages.Pushed signed;
  static TestImages.Pushed unsigned;

  @Inject KubernetesClient client;

  @BeforeAll
  static void publish() throws Exception {
    dir = Files.createTempDirectory("digest-pinning");
    registry = OciRegistry.start(dir.resolve("registry"));
    carol = CosignSigner.create(dir, "carol");
    signed = registry.pushTestImage("team/app", "v1", "signed by carol");
    carol.sign(signed);
    unsigned = registry.pushTestImage("team/app", "unsigned", "unsigned");
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  /** A namespace with image admission and a cosign whitelist of carol ({@code pinDigests}). */
  private String namespace(Boolean pinDigests, String mode) {
    Webhooks.registerImageAdmission(client);
    String ns = LocalControlPlaneResource.newNamespace("pinning");
    Webhooks.enableImageAdmission(client, ns);
    SignerWhitelist wl = new SignerWhitelist();
    wl.getMetadata().setName("team");
    wl.getMetadata().setNamespace(ns);
    SignerWhitelistSpec spec =
        carol.whitelist(new SignerWhitelistSpec(), registry.hostPort() + "/team/*");
    spec.setMode(mode);
    if (pinDigests != null) {
      spec.setPinDigests(pinDigests);
    }
    wl.setSpec(spec);
    TestWhitelists.createReady(client, wl);
    return ns;
  }

  private Pod create(String ns, String image) {
    // Until the webhooks have seen the whitelist, the image is ungoverned and denied.
    return await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> client.resource(TestPods.pod(ns, image)).create(), p -> p != null);
  }

  private static String image(PodSpec spec) {
    return spec.getContainers().get(0).getImage();
  }

  @Test
  void pinsAPodsVerifiedImageToTheVerifiedDigestAndKeepsItWhenTheTagMoves() throws Exception {
    String ns = namespace(null, "Enforce");
    TestImages.Pushed first = registry.pushTestImage("team/app", "m1", "moving, signed");
    carol.sign(first);
    String tag = first.tagReference();

    Pod pod = create(ns, tag);
    assertEquals(tag + "@" + first.digest(), image(pod.getSpec()));
    // Digests already pinned are left as written.
    Pod byDigest = create(ns, signed.digestReference());
    assertEquals(signed.digestReference(), image(byDigest.getSpec()));

    // The tag moves to unsigned content: the admitted pod still names what was verified, and a
    // new pod of the tag is denied (the test profile's tag cache lives 1 s).
    registry.pushTestImage("team/app", "m1", "moved, unsigned");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertTrue(
                    TestPods.denial(client, ns, tag)
                        .contains("no signature by a whitelisted key")));
    Pod stored = client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).get();
    assertEquals(tag + "@" + first.digest(), image(stored.getSpec()));
  }

  @Test
  void pinsTheImagesOfWorkloadTemplates() {
    String ns = namespace(true, "Enforce");
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("app")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .addToMatchLabels("app", "app")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", "app")
            .endMetadata()
            .withNewSpec()
            .addNewInitContainer()
            .withName("init")
            .withImage(signed.tagReference())
            .endInitContainer()
            .addNewContainer()
            .withName("app")
            .withImage(signed.tagReference())
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    Deployment created =
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> client.resource(d).create(), x -> x != null);
    PodSpec template = created.getSpec().getTemplate().getSpec();
    String pinned = signed.tagReference() + "@" + signed.digest();
    assertEquals(pinned, image(template));
    assertEquals(pinned, template.getInitContainers().get(0).getImage());

    CronJob job =
        new CronJobBuilder()
            .withNewMetadata()
            .withName("nightly")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withSchedule("0 3 * * *")
            .withNewJobTemplate()
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName("job")
            .withImage(signed.tagReference())
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .endJobTemplate()
            .endSpec()
            .build();
    CronJob createdJob = client.resource(job).create();
    assertEquals(
        pinned, image(createdJob.getSpec().getJobTemplate().getSpec().getTemplate().getSpec()));
  }

  @Test
  void leavesImagesAsWrittenWhenTheWhitelistTurnsPinningOff() {
    String ns = namespace(false, "Enforce");
    Pod pod = create(ns, signed.tagReference());
    assertEquals(signed.tagReference(), image(pod.getSpec()));
  }

  @Test
  void doesNotPinWhatWasNotVerified() {
    // Audit mode admits the unsigned image with a warning: it was not verified, so not pinned.
    String ns = namespace(true, "Audit");
    Pod pod = create(ns, unsigned.tagReference());
    assertEquals(unsigned.tagReference(), image(pod.getSpec()));
    Pod good = create(ns, signed.tagReference());
    assertEquals(signed.tagReference() + "@" + signed.digest(), image(good.getSpec()));
  }
}
