package dev.keychain.operator.audit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keychain.operator.admission.AdmissionFixtures;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import dev.keychain.operator.api.v1alpha1.AuditLogSpec;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.testing.Fixtures;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.operator.testing.Webhooks;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a full audit volume does (setting {@code keychain.audit.when-unwritable}, default deny): a
 * governed admission whose record cannot be made durable is denied, naming the log and the cause,
 * and admissions resume once there is room again. The namespace's log lives on a small tmpfs that
 * the test fills (mounting needs root, as the node tests do).
 */
@QuarkusTest
@QuarkusTestResource(LocalControlPlaneResource.class)
class AuditUnwritableIT {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Inject KubernetesClient client;
  @Inject OperatorMetrics metrics;

  @Test
  void deniesAdmissionWhileTheAuditLogCannotBeWrittenAndResumesWithRoom() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
    try (AdmissionFixtures images = AdmissionFixtures.start("audit-full")) {
      String ns = Webhooks.imageAdmissionNamespace(client, "audit-full");
      Path dir = Path.of("target/audit").toAbsolutePath().resolve(ns);
      Files.createDirectories(dir);
      run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir.toString());
      try {
        AuditLogSpec spec = new AuditLogSpec();
        spec.setCheckpointInterval("1s");
        Fixtures.createAuditLog(client, ns, "decisions", spec);
        images.createReadyWhitelist(client, ns);
        await().atMost(TIMEOUT).until(() -> admitted(images, ns, "before"));

        // fill the volume: the next record cannot be written, so the admission is denied
        Path filler = dir.resolve("filler");
        fill(filler);
        String denial =
            await().atMost(TIMEOUT).until(() -> denial(images, ns, "full"), d -> d != null);
        assertTrue(denial.contains("denied: the decision cannot be audited"), denial);
        assertTrue(denial.contains("audit log " + ns + "/decisions"), denial);
        assertTrue(denial.contains("No space left on device"), denial);
        assertTrue(metrics.auditRecordsLost.labelValues(ns, "decisions").get() >= 1.0);

        // room again: the log is reopened (its torn tail cut) and admissions resume
        Files.delete(filler);
        await().atMost(TIMEOUT).until(() -> admitted(images, ns, "after"));
      } finally {
        client.resources(AuditLog.class).inNamespace(ns).withName("decisions").delete();
        run("umount", "-l", dir.toString());
      }
    }
  }

  private boolean admitted(AdmissionFixtures images, String ns, String name) {
    return denial(images, ns, name) == null;
  }

  /** The denial of a dry-run pod of the signed image, or null when it is admitted. */
  private String denial(AdmissionFixtures images, String ns, String name) {
    try {
      client.resource(images.signedPod(ns, name)).dryRun().create();
      return null;
    } catch (KubernetesClientException e) {
      return e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage();
    }
  }

  private static void fill(Path filler) {
    byte[] chunk = new byte[16 * 1024];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException e) {
      // No space left on device: full
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
  }
}
