package dev.keychain.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.fixtures.AgentProcess;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Agents as processes of the real agent jar, configured from the environment the webhook injected
 * into the pod, with the pod's real bound ServiceAccount token (TokenRequest API, as the kubelet
 * gets it) in a file and the key directory on local disk: the init container's {@code enrol}, then
 * the sidecar's {@code run}.
 */
public final class ProcessAgents implements Agents {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final LocalControlPlane plane;
  private final Path work;
  private final Duration timeout;

  public ProcessAgents(LocalControlPlane plane, Path work, Duration timeout) {
    this.plane = plane;
    this.work = work;
    this.timeout = timeout;
  }

  @Override
  public Agent attach(Pod pod) {
    Container init =
        pod.getSpec().getInitContainers().stream()
            .filter(c -> c.getName().equals("keychain-agent-init"))
            .findFirst()
            .orElseThrow(() -> new ScenarioFailure("pod has no keychain-agent-init container"));
    String audience =
        pod.getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("keychain-token"))
            .findFirst()
            .orElseThrow(() -> new ScenarioFailure("pod has no keychain-token volume"))
            .getProjected()
            .getSources()
            .get(0)
            .getServiceAccountToken()
            .getAudience();
    Map<String, String> injected = new HashMap<>();
    init.getEnv().forEach(e -> injected.put(e.getName(), e.getValue()));
    Path dir = work.resolve(pod.getMetadata().getNamespace() + "-" + pod.getMetadata().getName());
    Path tokenFile = dir.resolve("token");
    Path keyDir = dir.resolve("key");
    try {
      Files.createDirectories(dir);
      String serviceAccount =
          pod.getSpec().getServiceAccountName() == null
              ? "default"
              : pod.getSpec().getServiceAccountName();
      Files.writeString(
          tokenFile,
          plane.boundToken(pod.getMetadata().getNamespace(), serviceAccount, pod, audience, 3600));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> env = AgentProcess.environment(injected, tokenFile, keyDir);
    try (AgentProcess enrol = AgentProcess.start("enrol", env, dir.resolve("enrol.log"))) {
      int exit = enrol.awaitExit(timeout);
      if (exit != 0) {
        throw new ScenarioFailure("agent enrolment exited " + exit + ":\n" + enrol.log());
      }
    }
    return new ProcessAgent(AgentProcess.start("run", env, dir.resolve("run.log")), keyDir);
  }

  private record ProcessAgent(AgentProcess process, Path keyDir) implements Agent {
    @Override
    public Optional<JsonNode> heldKey() {
      Path meta = keyDir.resolve("key.json");
      try {
        return Files.exists(meta) && Files.exists(keyDir.resolve("key"))
            ? Optional.of(JSON.readTree(meta.toFile()))
            : Optional.empty();
      } catch (IOException e) {
        // Between the two files of a swap: not held yet.
        return Optional.empty();
      }
    }

    @Override
    public boolean running() {
      return process.isAlive();
    }

    @Override
    public OptionalInt exitCode() {
      return process.isAlive()
          ? OptionalInt.empty()
          : OptionalInt.of(process.awaitExit(Duration.ZERO));
    }

    @Override
    public String log() {
      return process.log();
    }

    @Override
    public void close() {
      process.close();
    }
  }
}
