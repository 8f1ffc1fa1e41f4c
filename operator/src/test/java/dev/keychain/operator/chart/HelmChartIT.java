package dev.keychain.operator.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.testing.fixtures.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart with the real helm CLI (built from the Go module proxy by
 * kind-test/local/build-helm.sh): it lints, its schema refuses bad values, and every object it
 * renders, with default values and with every option on, is accepted by the real API server
 * (server-side dry run, so the webhooks it registers never intercept the other tests).
 */
class HelmChartIT {
  private static final Path CHART = Path.of("..", "helm", "keychain-operator");
  private static final String NAMESPACE = "keychain-chart";

  private static final Helm HELM = Helm.locate();

  private static Helm.Run helm(String... args) {
    return HELM.run(args);
  }

  private static String render(String... sets) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "template",
                "kc",
                CHART.toString(),
                "--namespace",
                NAMESPACE,
                "--kube-version",
                "1.34.4",
                "--include-crds"));
    for (String set : sets) {
      args.add("--set");
      args.add(set);
    }
    Helm.Run r = helm(args.toArray(String[]::new));
    assertEquals(0, r.exit(), r.output());
    return r.output();
  }

  @Test
  void lints() throws Exception {
    Helm.Run r = helm("lint", CHART.toString(), "--kube-version", "1.34.4");
    assertEquals(0, r.exit(), r.output());
  }

  @Test
  void schemaRefusesBadValuesNamingThem() throws Exception {
    Helm.Run r =
        helm(
            "template",
            "kc",
            CHART.toString(),
            "--kube-version",
            "1.34.4",
            "--set",
            "webhooks.failurePolicy=Sometimes");
    assertNotEquals(0, r.exit());
    assertTrue(r.output().contains("/webhooks/failurePolicy"), r.output());
    Helm.Run rwo =
        helm(
            "template",
            "kc",
            CHART.toString(),
            "--kube-version",
            "1.34.4",
            "--set",
            "audit.persistence.enabled=true");
    assertNotEquals(0, rwo.exit());
    assertTrue(
        rwo.output().contains("needs audit.persistence.accessMode=ReadWriteMany"), rwo.output());
    Helm.Run unknown =
        helm("template", "kc", CHART.toString(), "--kube-version", "1.34.4", "--set", "replicas=3");
    assertNotEquals(0, unknown.exit());
    assertTrue(unknown.output().contains("additional properties 'replicas'"), unknown.output());
  }

  @Test
  void valuesTableInTheDocsIsGeneratedFromTheSchema() throws Exception {
    Process p =
        new ProcessBuilder("python3", Path.of("..", "helm", "values-table.py").toString())
            .redirectErrorStream(true)
            .start();
    String generated = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), generated);
    assertEquals(
        Files.readString(Path.of("..", "docs", "values.md")),
        generated,
        "docs/values.md is stale: helm/values-table.py > docs/values.md");
  }

  @Test
  void chartCrdsAreTheGeneratedOnes() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("..", "crds"))) {
      for (Path crd : files.filter(f -> f.toString().endsWith(".yml")).toList()) {
        Path copy = CHART.resolve("crds").resolve(crd.getFileName());
        assertTrue(
            Files.exists(copy), "chart lacks " + copy + ": cp crds/*.yml " + copy.getParent());
        assertEquals(
            Files.readString(crd),
            Files.readString(copy),
            copy + " differs from " + crd + ": copy it");
      }
    }
  }

  @Test
  void rendersObjectsTheApiServerAccepts() throws Exception {
    KubernetesClient client = LocalControlPlaneResource.plane().client();
    if (client.namespaces().withName(NAMESPACE).get() == null) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
          .create();
    }
    for (String yaml :
        List.of(
            render(),
            render(
                "keyProvider.type=pkcs11",
                "keyProvider.pkcs11.library=/usr/lib/softhsm/libsofthsm2.so",
                "keyProvider.pkcs11.pinSecret=hsm-pin",
                "audit.persistence.enabled=true",
                "audit.persistence.accessMode=ReadWriteMany",
                "audit.operatorLog.enabled=true",
                "image.digest=sha256:" + "a".repeat(64),
                "replicaCount=3"))) {
      List<HasMetadata> objects =
          client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
      assertTrue(objects.size() >= 14, "rendered " + objects.size() + " objects");
      for (HasMetadata object : objects) {
        client.resource(object).dryRun().serverSideApply();
      }
    }
    // The ServiceMonitor and the cert-manager Certificate render (their CRDs belong to the
    // Prometheus Operator and cert-manager, absent here); with the Certificate, the operator is
    // told to serve its Secret.
    assertTrue(render("serviceMonitor.enabled=true").contains("kind: ServiceMonitor"));
    // The operator's own AuditLog, in the release namespace, only when asked for.
    assertFalse(render().contains("kind: AuditLog"));
    String operatorLog = render("audit.operatorLog.enabled=true");
    assertTrue(
        operatorLog.contains("kind: AuditLog\nmetadata:\n  name: keychain-operator\n  namespace: "),
        operatorLog);
    String certManager =
        render("webhooks.certManager.enabled=true", "webhooks.certManager.issuerRef.name=ca");
    assertTrue(certManager.contains("kind: Certificate"), certManager);
    assertTrue(certManager.contains("secretName: keychain-operator-webhook-tls"), certManager);
    assertTrue(
        certManager.contains(
            "name: KEYCHAIN_WEBHOOK_SERVING_SECRET\n              value: keychain-operator-webhook-tls"),
        certManager);
  }
}
