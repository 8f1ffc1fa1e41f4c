package dev.keychain.scenarios;

import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.FreePorts;
import dev.keychain.testing.fixtures.ManagedProcess;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One run of the scenario suite on the local control plane as the chart installs the operator: the
 * chart's ServiceAccount, roles and bindings applied (optionally without one rule), the packaged
 * operator started as a process with a token of that ServiceAccount (so the API server authorizes
 * it exactly as in a cluster), the chart's webhook configurations registered, agents as processes.
 * Each run starts from a clean slate: a fresh namespace, no webhook CA, no leader.
 */
public final class LocalScenarioRun {
  private static final AtomicInteger RUNS = new AtomicInteger();

  private final LocalControlPlane plane;
  private final ChartRbac chart;
  private final SignedImages images;
  private final Path work;

  public LocalScenarioRun(
      LocalControlPlane plane, ChartRbac chart, SignedImages images, Path work) {
    this.plane = plane;
    this.chart = chart;
    this.images = images;
    this.work = work;
  }

  /**
   * Runs the suite; a failed operator start is reported as the failed scenario "operatorStarts".
   */
  public List<ScenarioSuite.Result> run(
      Optional<ChartRbac.RuleRef> without, Duration timeout, boolean failFast) throws IOException {
    KubernetesClient admin = plane.client();
    Path dir = work.resolve("run-" + RUNS.incrementAndGet());
    Files.createDirectories(dir);
    OperatorProcess.createNamespace(admin);
    chart.apply(admin, without);
    // A clean slate: the next operator creates its CA and takes the lease at once.
    admin
        .secrets()
        .inNamespace(OperatorProcess.NAMESPACE)
        .withName("keychain-operator-ca")
        .withTimeout(30, java.util.concurrent.TimeUnit.SECONDS)
        .delete();
    admin
        .leases()
        .inNamespace(OperatorProcess.NAMESPACE)
        .withName("keychain-operator-leader")
        .withTimeout(30, java.util.concurrent.TimeUnit.SECONDS)
        .delete();
    int port = FreePorts.loopback();
    chart.registerWebhooks(admin, port);
    String namespace = "scenarios-" + RUNS.get();
    Instant start = Instant.now();
    ManagedProcess operator;
    try {
      operator =
          OperatorProcess.start(
              serviceAccountKubeconfig(dir),
              Map.of("KEYCHAIN_AUDIT_DATA_DIR", dir.resolve("audit").toString()),
              Map.of(
                  "keychain.webhook.port",
                  Integer.toString(port),
                  "keychain.webhook.check-interval",
                  "PT2S",
                  "keychain.agent.operator-url",
                  "https://127.0.0.1:" + port),
              dir);
    } catch (IllegalStateException e) {
      chart.deleteWebhooks(admin);
      return List.of(
          new ScenarioSuite.Result(
              "operatorStarts", false, e.getMessage(), Duration.between(start, Instant.now())));
    }
    try {
      List<ScenarioSuite.Result> results =
          new ArrayList<>(
              new ScenarioSuite(
                      admin,
                      new ProcessAgents(plane, dir.resolve("agents"), timeout),
                      new ScenarioSuite.Settings(
                          namespace,
                          OperatorProcess.NAMESPACE,
                          chart.injectionNamespaceLabel(),
                          chart.imageAdmissionNamespaceLabel(),
                          "registry.example/web:1",
                          images,
                          timeout,
                          failFast))
                  .run());
      // The operator must still be there: a leader that cannot renew its lease exits.
      if (!operator.isAlive()) {
        results.add(
            new ScenarioSuite.Result(
                "operatorStaysUp",
                false,
                "the operator exited during the run:\n" + operator.tail(),
                Duration.ZERO));
      }
      return results;
    } finally {
      operator.close();
      chart.deleteWebhooks(admin);
      admin.namespaces().withName(namespace).delete();
    }
  }

  /** A kubeconfig presenting a fresh token of the chart's ServiceAccount, and nothing else. */
  private Path serviceAccountKubeconfig(Path dir) throws IOException {
    String token =
        plane
            .client()
            .serviceAccounts()
            .inNamespace(OperatorProcess.NAMESPACE)
            .withName(chart.serviceAccountName())
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    String ca =
        Base64.getEncoder().encodeToString(plane.pki().caPem().getBytes(StandardCharsets.US_ASCII));
    Path file = dir.resolve("operator.kubeconfig");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
          - name: local
            cluster:
              server: %s
              certificate-authority-data: %s
        users:
          - name: operator
            user:
              token: %s
        contexts:
          - name: operator
            context:
              cluster: local
              user: operator
              namespace: %s
        current-context: operator
        """
            .formatted(plane.apiServerUrl(), ca, token, OperatorProcess.NAMESPACE));
    return file;
  }
}
