package dev.keychain.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keychain.testing.fixtures.AgentProcess;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The real agent, run beside the test with the environment the injection webhook gave a pod. */
public final class InjectedAgents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private InjectedAgents() {}

  /**
   * The environment the webhook gave the pod's agent, with the token in a file and the key
   * directory under {@code work}/{@code name} (fresh per pod and run).
   */
  public static Map<String, String> environment(Pod pod, String token, Path work, String name)
      throws Exception {
    Container init =
        pod.getSpec().getInitContainers().stream()
            .filter(c -> c.getName().equals("keychain-agent-init"))
            .findFirst()
            .orElseThrow();
    Map<String, String> env = new HashMap<>();
    init.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
    Path dir = work.resolve(pod.getMetadata().getNamespace() + "-" + name);
    Files.createDirectories(dir);
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, token);
    return AgentProcess.environment(env, tokenFile, dir.resolve("key"));
  }

  public static Path keyDir(Map<String, String> env) {
    return Path.of(env.get("KEYCHAIN_KEY_DIR"));
  }

  /** The metadata of the key the agent holds (key.json), if it holds one. */
  public static Optional<JsonNode> heldKey(Map<String, String> env) throws Exception {
    Path meta = keyDir(env).resolve("key.json");
    return Files.exists(meta) ? Optional.of(JSON.readTree(meta.toFile())) : Optional.empty();
  }

  /** POSTs {@code body} to the operator's agent API at {@code path}, over its TLS. */
  public static java.net.http.HttpResponse<String> post(String path, String body) throws Exception {
    return java.net.http.HttpClient.newBuilder()
        .sslContext(
            dev.keychain.core.tls.TrustBundles.trusting(LocalControlPlaneResource.webhookCaPem()))
        .build()
        .send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(LocalControlPlaneResource.webhookUrl(path)))
                .header("content-type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /** A handshake as the agent holding {@code token} makes it, trusting the operator's CA. */
  public static dev.keychain.core.auth.AgentHandshake handshake(String token) {
    return new dev.keychain.core.auth.AgentHandshake(
        token,
        dev.keychain.core.auth.MasterTrust.fromPemBundle(LocalControlPlaneResource.webhookCaPem()),
        java.time.Clock.systemUTC(),
        java.time.Duration.ofSeconds(30),
        Optional.empty());
  }
}
