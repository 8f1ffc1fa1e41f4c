package dev.keychain.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.audit.AuditLogReader;
import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.Helm;
import dev.keychain.testing.fixtures.OciRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The scenario suite against the packaged operator running under exactly the Helm chart's
 * ServiceAccount and roles, on the real local control plane (with kube-controller-manager) whose
 * API server keeps an audit log of the operator's requests. Proves the RBAC both sufficient (every
 * scenario passes), used (every granted verb appears in the audit log) and minimal (without any one
 * rule, some scenario fails).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartRbacScenariosIT {
  static Path work;
  static LocalControlPlane plane;
  static OciRegistry registry;
  static ChartRbac chart;
  static LocalScenarioRun runs;
  static Path apiAuditLog;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("scenarios-");
    chart = ChartRbac.render(Helm.locate(), OperatorProcess.NAMESPACE);
    Path policy = work.resolve("audit-policy.yaml");
    Files.writeString(policy, ApiAuditLog.policy(chart.userName()));
    apiAuditLog = work.resolve("apiserver-audit.log");
    plane =
        LocalControlPlane.start(
            new LocalControlPlane.Options(true, ApiAuditLog.apiServerFlags(policy, apiAuditLog)));
    OperatorProcess.installCrds(plane);
    registry = OciRegistry.start(work.resolve("registry"));
    SignedImages images = SignedImages.publish(registry, work.resolve("cosign"));
    runs = new LocalScenarioRun(plane, chart, images, work);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (plane != null) {
      plane.close();
    }
  }

  @Test
  @Order(1)
  void passesEveryScenarioUnderTheChartsServiceAccountUsingEveryGrantedVerb() throws Exception {
    // Two replicas, as the chart runs them: webhooks and agents use the follower.
    LocalScenarioRun.Outcome outcome = runs.run(Optional.empty(), Duration.ofSeconds(90), false, 2);
    List<ScenarioSuite.Result> results = outcome.results();
    results.forEach(r -> System.out.println("[scenarios] " + r));
    assertTrue(results.stream().allMatch(ScenarioSuite.Result::passed), results.toString());
    assertEquals(16, results.size(), results.toString());

    // What the follower decided is in the leader's log: the denial of the unsigned image.
    Path log = outcome.leaderAuditDir().resolve(outcome.namespace()).resolve("demo");
    List<String> records =
        AuditLogReader.readRecords(log, 0, AuditLogReader.recordCount(log)).stream()
            .map(r -> new String(r, StandardCharsets.UTF_8))
            .toList();
    assertTrue(
        records.stream()
            .anyMatch(
                r ->
                    r.contains("\"type\":\"AdmissionDenied\"")
                        && r.contains("\"name\":\"unsigned\"")),
        "the follower's denial is not in the leader's audit log: " + records);

    Set<ChartRbac.Permission> unused = new LinkedHashSet<>(chart.permissions());
    unused.removeAll(ApiAuditLog.allowed(apiAuditLog, chart.userName()));
    // JOSDK will not start leader election unless a SelfSubjectRulesReview lists update on
    // leases, though the lease is renewed with patch: checked, never called (the rule-removal
    // test shows it needed).
    unused.remove(new ChartRbac.Permission("coordination.k8s.io", "leases", "update"));
    assertTrue(unused.isEmpty(), "granted by the chart, never used by the operator: " + unused);
  }

  @Test
  @Order(2)
  void everyRuleOfTheChartIsNeededBySomeScenario() throws Exception {
    List<String> table = new ArrayList<>();
    List<String> unneeded = new ArrayList<>();
    for (ChartRbac.RuleRef rule : chart.rules()) {
      List<ScenarioSuite.Result> results =
          runs.run(Optional.of(rule), Duration.ofSeconds(30), true, 1).results();
      Optional<ScenarioSuite.Result> failed = results.stream().filter(r -> !r.passed()).findFirst();
      table.add(
          rule.describe()
              + " -> "
              + failed
                  .map(r -> "fails " + r.scenario() + ": " + firstLine(r.detail()))
                  .orElse("every scenario passes"));
      if (failed.isEmpty()) {
        unneeded.add(rule.describe());
      }
    }
    table.forEach(line -> System.out.println("[rbac] without " + line));
    assertTrue(unneeded.isEmpty(), "rules no scenario needs: " + unneeded);
  }

  /** The line that says why: the API server's refusal when there is one, else the first. */
  private static String firstLine(String text) {
    String line =
        text.lines()
            .filter(l -> l.contains("forbidden") || l.contains("No permission"))
            .findFirst()
            .orElse(text.lines().findFirst().orElse(""));
    line = line.replaceFirst("^.*?(Message: |OperatorException: )", "");
    return line.length() > 240 ? line.substring(0, 240) + "..." : line;
  }
}
