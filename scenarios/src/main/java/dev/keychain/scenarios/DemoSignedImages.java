package dev.keychain.scenarios;

import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.testing.fixtures.ContentTrustScenario;
import dev.keychain.testing.fixtures.NotaryServer;
import dev.keychain.testing.fixtures.OciRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * The signed images of the README demo on the local node (kind-test/local/run-operator.sh): a
 * registry and a notary server on the node's address, and seed 002's scenario published with the
 * real notary CLI on runnable images: alice signs {@code edge/app:1.0.0} through the delegation
 * {@code targets/releases}; mallory, who got a delegation of his own, signs {@code edge/app:evil}.
 * Writes into the state directory {@code demo-images.txt} ("layout reference" per line, for the
 * node to import) and {@code demo-whitelist.yaml} (a SignerWhitelist listing alice only), then runs
 * until killed.
 *
 * <p>Usage: {@code DemoSignedImages <state-dir> <node-address> <app-image-layout> <namespace>}
 */
public final class DemoSignedImages {
  private DemoSignedImages() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println(
          "usage: DemoSignedImages <state-dir> <node-address> <app-image-layout> <namespace>");
      System.exit(2);
    }
    Path dir = Path.of(args[0]).toAbsolutePath();
    String address = args[1];
    Path app = Path.of(args[2]);
    String namespace = args[3];
    Files.createDirectories(dir);
    OciRegistry registry = OciRegistry.start(dir.resolve("registry"), address);
    NotaryServer notary = NotaryServer.start(dir.resolve("notary"), address);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  registry.close();
                  notary.close();
                  stopped.countDown();
                }));
    java.util.Map<String, Path> images = new java.util.TreeMap<>();
    ContentTrustScenario dct =
        ContentTrustScenario.publishRunnable(
            registry, notary, dir.resolve("dct"), "evil", app, "1", images);
    String aliceId =
        KeyIds.notaryCanonicalId(PublicKeys.fromPem(Files.readString(dct.aliceCertificate())));
    String malloryId =
        KeyIds.notaryCanonicalId(PublicKeys.fromPem(Files.readString(dct.malloryCertificate())));
    String whitelist =
        """
        apiVersion: keychain.dev/v1alpha1
        kind: SignerWhitelist
        metadata:
          name: demo-signers
          namespace: %s
        spec:
          images: ["%s/edge/*"]
          signers:
            - name: alice
              keyId: %s
          trust:
            notary:
              server: %s
              rootKeyIds: [%s]
              caBundle: |
        %s
          registry:
            insecureHttp: true
          mode: Enforce
        """
            .formatted(
                namespace,
                registry.hostPort(),
                aliceId,
                notary.url(),
                dct.publisher().rootKeyId(),
                notary.pki().caPem().strip().indent(10).stripTrailing());
    write(dir.resolve("demo-whitelist.yaml"), whitelist);
    write(
        dir.resolve("demo-images.txt"),
        images.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey() + "\n")
                .collect(java.util.stream.Collectors.joining())
            + "# signed "
            + dct.legit().tagReference()
            + " alice "
            + aliceId
            + "\n# evil "
            + dct.malicious().tagReference()
            + " mallory "
            + malloryId
            + "\n");
    System.err.println(
        "[demo-images] registry "
            + registry.hostPort()
            + ", notary "
            + notary.url()
            + ": alice signed "
            + dct.legit().tagReference()
            + ", mallory (key "
            + malloryId.substring(0, 16)
            + "...) signed "
            + dct.malicious().tagReference());
    stopped.await();
  }

  /** Written whole, then renamed: its presence tells the launcher the images are published. */
  private static void write(Path file, String content) throws java.io.IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
