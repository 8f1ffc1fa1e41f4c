package dev.keychain.operator.audit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.audit.AdmissionReceipt;
import dev.keychain.core.audit.AuditLogReader;
import dev.keychain.core.audit.Checkpoint;
import dev.keychain.core.audit.VerifyCommand;
import dev.keychain.operator.admission.AdmissionFixtures;
import dev.keychain.operator.api.v1alpha1.AuditLogSpec;
import dev.keychain.operator.testing.Fixtures;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.operator.testing.Webhooks;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Admission receipts on the real API server: an admitted pod (here one named by generateName, as
 * controllers create them) gets annotation keychain.dev/admission-receipt naming the record of its
 * admission in the namespace's AuditLog, and {@code audit-verify --receipt} proves it offline
 * against a copy of the log and a head.
 */
@QuarkusTest
@QuarkusTestResource(LocalControlPlaneResource.class)
class AdmissionReceiptsIT {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Inject KubernetesClient client;

  @Test
  void anAdmittedPodCarriesAReceiptThatVerifiesAgainstTheLogAndAHead() throws Exception {
    try (AdmissionFixtures images = AdmissionFixtures.start("receipts")) {
      String ns = Webhooks.imageAdmissionNamespace(client, "receipts");
      AuditLogSpec spec = new AuditLogSpec();
      spec.setCheckpointInterval("1s");
      Path dir = Fixtures.createAuditLog(client, ns, "decisions", spec);
      images.createReadyWhitelist(client, ns);

      Pod template = images.signedPod(ns, "unused");
      template.getMetadata().setName(null);
      template.getMetadata().setGenerateName("web-");
      Pod pod = client.resource(template).create();
      String name = pod.getMetadata().getName();
      String annotation =
          await()
              .atMost(TIMEOUT)
              .until(
                  () -> {
                    Pod p = client.pods().inNamespace(ns).withName(name).get();
                    return p.getMetadata().getAnnotations() == null
                        ? null
                        : p.getMetadata().getAnnotations().get(AdmissionReceipt.ANNOTATION);
                  },
                  a -> a != null);
      List<AdmissionReceipt> receipts = AdmissionReceipt.parse(annotation);
      assertEquals(1, receipts.size(), annotation);
      AdmissionReceipt receipt = receipts.get(0);
      assertEquals(ns + "/decisions", receipt.log());
      assertEquals(ns + "/" + name, receipt.pod());
      assertEquals(pod.getMetadata().getUid(), receipt.uid());

      // a head that covers the record: the log checkpoints every second
      Checkpoint head =
          await()
              .atMost(TIMEOUT)
              .until(
                  () -> {
                    List<Checkpoint> cps = AuditLogReader.checkpoints(dir);
                    return cps.isEmpty() ? null : cps.get(cps.size() - 1);
                  },
                  cp -> cp != null && cp.treeSize() > receipt.index());
      String ok = verify("--dir", dir.toString(), "--head", head.toText(), "--receipt", annotation);
      assertTrue(ok.startsWith("0:"), ok);
      assertTrue(ok.contains("OK: decision " + receipt.decision()), ok);
      assertTrue(ok.contains("AdmissionAllowed of pod " + ns + "/" + name), ok);

      // the receipt of one pod does not vouch for another
      String other =
          AdmissionReceipt.annotation(
              List.of(
                  new AdmissionReceipt(
                      receipt.log(), receipt.index(), receipt.decision(), ns + "/other", "uid")));
      assertTrue(
          verify("--dir", dir.toString(), "--head", head.toText(), "--receipt", other)
              .startsWith("1:"));

      // a dry run creates nothing and gets no receipt; its admission is still audited
      client.resource(images.signedPod(ns, "dry")).dryRun().create();
    }
  }

  private static String verify(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = VerifyCommand.run(args, new PrintStream(out), new PrintStream(out));
    return code + ": " + out.toString(StandardCharsets.UTF_8);
  }
}
