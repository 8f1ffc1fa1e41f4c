package dev.keychain.operator.admission;

import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * For tests outside this package that need governed admissions: a registry with one image signed by
 * a cosign key, and a whitelist of that key.
 */
public final class AdmissionFixtures implements AutoCloseable {
  private final Path dir;
  private final OciRegistry registry;
  private final CosignSigner signer;
  private final TestImages.Pushed signed;
  private final TestImages.Pushed unsigned;

  private AdmissionFixtures(
      Path dir,
      OciRegistry registry,
      CosignSigner signer,
      TestImages.Pushed signed,
      TestImages.Pushed unsigned) {
    this.dir = dir;
    this.registry = registry;
    this.signer = signer;
    this.signed = signed;
    this.unsigned = unsigned;
  }

  /**
   * Starts a registry and pushes {@code apps/web:signed}, signed by the cosign key "carol", and
   * {@code apps/web:unsigned}.
   */
  public static AdmissionFixtures start(String name) throws IOException {
    Path dir = Files.createTempDirectory(name);
    OciRegistry registry = OciRegistry.start(dir.resolve("registry"));
    CosignSigner signer = CosignSigner.create(dir, "carol");
    TestImages.Pushed signed = registry.pushTestImage("apps/web", "signed", "signed web");
    signer.sign(signed);
    TestImages.Pushed unsigned = registry.pushTestImage("apps/web", "unsigned", "unsigned web");
    return new AdmissionFixtures(dir, registry, signer, signed, unsigned);
  }

  Path dir() {
    return dir;
  }

  OciRegistry registry() {
    return registry;
  }

  CosignSigner signer() {
    return signer;
  }

  TestImages.Pushed signed() {
    return signed;
  }

  TestImages.Pushed unsigned() {
    return unsigned;
  }

  /** Creates the whitelist "apps" of the signer in {@code ns} and waits until it is Ready. */
  public void createReadyWhitelist(KubernetesClient client, String ns) {
    SignerWhitelist wl = new SignerWhitelist();
    wl.getMetadata().setName("apps");
    wl.getMetadata().setNamespace(ns);
    wl.setSpec(signer.whitelist(new SignerWhitelistSpec(), registry.hostPort() + "/apps/*"));
    TestWhitelists.createReady(client, wl);
  }

  /** A pod {@code name} of the signed image, by tag. */
  public Pod signedPod(String ns, String name) {
    return TestPods.pod(ns, name, Map.of(), signed.tagReference());
  }

  @Override
  public void close() {
    registry.close();
  }
}
