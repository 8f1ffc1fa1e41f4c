package dev.keychain.scenarios;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The scenario suite against the cluster of the current kubeconfig context, where the chart is
 * installed and the kubelet runs the agents (kind-test/kind/run.sh). Configured by environment:
 *
 * <ul>
 *   <li>{@code KEYCHAIN_SCENARIO_NAMESPACE} (keychain-scenarios), {@code
 *       KEYCHAIN_OPERATOR_NAMESPACE} (keychain-system), {@code KEYCHAIN_SCENARIO_APP_IMAGE} (an
 *       image with {@code cat} and {@code sleep}: busybox:1.36);
 *   <li>the signer scenario's images: {@code KEYCHAIN_SCENARIO_IMAGE_PATTERN}, {@code
 *       KEYCHAIN_SCENARIO_SIGNED_IMAGE}, {@code KEYCHAIN_SCENARIO_UNSIGNED_IMAGE}, {@code
 *       KEYCHAIN_SCENARIO_SIGNER_KEY} (the signer's PEM public key file), {@code
 *       KEYCHAIN_SCENARIO_INSECURE_HTTP} (true).
 * </ul>
 *
 * Exits 0 when every scenario passed, 1 otherwise, printing one line per scenario.
 */
public final class ScenarioMain {
  private ScenarioMain() {}

  public static void main(String[] args) throws Exception {
    Duration timeout = Duration.ofSeconds(Long.parseLong(env("KEYCHAIN_SCENARIO_TIMEOUT", "180")));
    SignedImages images =
        new SignedImages(
            required("KEYCHAIN_SCENARIO_IMAGE_PATTERN"),
            required("KEYCHAIN_SCENARIO_SIGNED_IMAGE"),
            required("KEYCHAIN_SCENARIO_UNSIGNED_IMAGE"),
            Files.readString(Path.of(required("KEYCHAIN_SCENARIO_SIGNER_KEY"))),
            Boolean.parseBoolean(env("KEYCHAIN_SCENARIO_INSECURE_HTTP", "true")));
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      List<ScenarioSuite.Result> results =
          new ScenarioSuite(
                  client,
                  new PodAgents(client, timeout),
                  new ScenarioSuite.Settings(
                      env("KEYCHAIN_SCENARIO_NAMESPACE", "keychain-scenarios"),
                      env("KEYCHAIN_OPERATOR_NAMESPACE", OperatorProcess.NAMESPACE),
                      "keychain.dev/injection",
                      "keychain.dev/image-admission",
                      env("KEYCHAIN_SCENARIO_APP_IMAGE", "busybox:1.36"),
                      images,
                      timeout,
                      true))
              .run();
      results.forEach(r -> System.out.println("[scenarios] " + r));
      System.exit(results.stream().allMatch(ScenarioSuite.Result::passed) ? 0 : 1);
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  private static String required(String name) {
    String value = System.getenv(name);
    if (value == null || value.isBlank()) {
      System.err.println("ScenarioMain: " + name + " is not set");
      System.exit(2);
    }
    return value;
  }
}
