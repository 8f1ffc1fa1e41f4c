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

  /** What one run produced: the results, and the leader's audit directory and the namespace. */
  public record Outcome(
      List<ScenarioSuite.Result> results, Path leaderAuditDir, String namespace) {}

  /**
   * Runs the suite against {@code replicas} operator processes (1 or 2); a failed operator start is
   * reported as the failed scenario "operatorStarts". With two, the first takes the lease and the
   * webhooks and agents talk only to the second, a follower, as they may in a cluster: what the
   * follower must record in the audit log goes through the leader.
   */
  public Outcome run(
      Optional<ChartRbac.RuleRef> without, Duration timeout, boolean failFast, int replicas)
      throws IOException {
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
    String namespace = "scenarios-" + RUNS.get();
    Path kubeconfig = serviceAccountKubeconfig(dir);
    // As the chart projects it: the token replicas present to the leader.
    Path replicaToken = dir.resolve("replica-token");
    Files.writeString(replicaToken, serviceAccountToken("keychain.dev/replica"));
    Instant start = Instant.now();
    List<ManagedProcess> operators = new ArrayList<>();
    int[] ports = new int[replicas];
    for (int i = 0; i < replicas; i++) {
      ports[i] = FreePorts.loopback();
    }
    // Webhooks and agents use the last replica started (a follower when there are two).
    int servingPort = ports[replicas - 1];
    chart.registerWebhooks(admin, servingPort);
    try {
      for (int i = 0; i < replicas; i++) {
        int port = ports[i];
        Path replicaDir = dir.resolve("replica-" + i);
        Files.createDirectories(replicaDir);
        operators.add(
            OperatorProcess.start(
                kubeconfig,
                Map.of("KEYCHAIN_AUDIT_DATA_DIR", replicaDir.resolve("audit").toString()),
                Map.of(
                    "keychain.webhook.port",
                    Integer.toString(port),
                    "keychain.webhook.check-interval",
                    "PT2S",
                    "keychain.audit.forward.token-file",
                    replicaToken.toString(),
                    "keychain.agent.operator-url",
                    "https://127.0.0.1:" + servingPort,
                    // the suite's example apps are unsigned and under no whitelist
                    "keychain.admission.ungoverned-images",
                    "warn"),
                replicaDir));
        if (i == 0 && replicas > 1) {
          awaitLeader(admin, timeout);
        }
      }
    } catch (IllegalStateException e) {
      operators.forEach(ManagedProcess::close);
      chart.deleteWebhooks(admin);
      return new Outcome(
          List.of(
              new ScenarioSuite.Result(
                  "operatorStarts",
                  false,
                  refusal(dir).map(r -> r + "\n").orElse("") + e.getMessage(),
                  Duration.between(start, Instant.now()))),
          dir.resolve("replica-0/audit"),
          namespace);
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
      // The operators must still be there: a leader that cannot renew its lease exits.
      for (ManagedProcess operator : operators) {
        if (!operator.isAlive()) {
          results.add(
              new ScenarioSuite.Result(
                  "operatorStaysUp",
                  false,
                  "an operator exited during the run:\n" + operator.tail(),
                  Duration.ZERO));
        }
      }
      return new Outcome(results, dir.resolve("replica-0/audit"), namespace);
    } finally {
      operators.forEach(ManagedProcess::close);
      chart.deleteWebhooks(admin);
      admin.namespaces().withName(namespace).delete();
    }
  }

  /** The API server's first refusal in the operators' logs under {@code dir}, if any. */
  private static Optional<String> refusal(Path dir) {
    try (var files = Files.walk(dir)) {
      for (Path log : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
        try (var lines = Files.lines(log)) {
          Optional<String> line =
              lines
                  .filter(l -> l.contains(" is forbidden: ") || l.contains("No permission"))
                  .findFirst();
          if (line.isPresent()) {
            String text = line.get();
            int message = text.indexOf("Message: ");
            text = message >= 0 ? text.substring(message + 9) : text;
            int received = text.indexOf(". Received status");
            return Optional.of(received >= 0 ? text.substring(0, received) : text);
          }
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static void awaitLeader(KubernetesClient admin, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      var lease =
          admin
              .leases()
              .inNamespace(OperatorProcess.NAMESPACE)
              .withName("keychain-operator-leader")
              .get();
      if (lease != null && lease.getSpec().getHolderIdentity() != null) {
        return;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new IllegalStateException("the first replica did not take the lease in " + timeout);
  }

  /** A token of the chart's ServiceAccount for {@code audience} (null: the API server's). */
  private String serviceAccountToken(String audience) {
    var spec = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L);
    if (audience != null) {
      spec = spec.withAudiences(audience);
    }
    return plane
        .client()
        .serviceAccounts()
        .inNamespace(OperatorProcess.NAMESPACE)
        .withName(chart.serviceAccountName())
        .tokenRequest(spec.endSpec().build())
        .getStatus()
        .getToken();
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
