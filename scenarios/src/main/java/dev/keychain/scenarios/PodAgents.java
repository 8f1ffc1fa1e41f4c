package dev.keychain.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Agents run by the kubelet of a real cluster: the suite waits for the pod to be Ready (the init
 * container enrolled, the sidecar started), reads the key metadata through the application
 * container (exec {@code cat}, so the app image needs one), and sees revocation as the sidecar's
 * exit code.
 */
public final class PodAgents implements Agents {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client;
  private final Duration timeout;
  private final PodExec exec;

  public PodAgents(KubernetesClient client, Duration timeout) {
    this.client = client;
    this.timeout = timeout;
    this.exec = new PodExec(client, timeout);
  }

  @Override
  public Agent attach(Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    Pod ready =
        client
            .pods()
            .inNamespace(ns)
            .withName(name)
            .waitUntilCondition(
                p ->
                    p != null
                        && p.getStatus() != null
                        && p.getStatus().getConditions().stream()
                            .anyMatch(
                                c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
    String keyPath =
        ready.getSpec().getContainers().get(0).getVolumeMounts().stream()
            .filter(m -> m.getName().equals("keychain-key"))
            .findFirst()
            .orElseThrow(() -> new ScenarioFailure("the app container does not mount keychain-key"))
            .getMountPath();
    return new PodAgent(ns, name, ready.getSpec().getContainers().get(0).getName(), keyPath);
  }

  private final class PodAgent implements Agent {
    private final String ns;
    private final String pod;
    private final String app;
    private final String keyPath;

    PodAgent(String ns, String pod, String app, String keyPath) {
      this.ns = ns;
      this.pod = pod;
      this.app = app;
      this.keyPath = keyPath;
    }

    @Override
    public Optional<JsonNode> heldKey() {
      Optional<String> json = exec.read(ns, pod, app, keyPath + "/key.json");
      try {
        return json.isEmpty() ? Optional.empty() : Optional.of(JSON.readTree(json.get()));
      } catch (java.io.IOException e) {
        throw new ScenarioFailure("unreadable " + keyPath + "/key.json in pod " + pod, e);
      }
    }

    private Optional<ContainerStatus> sidecar() {
      Pod p = client.pods().inNamespace(ns).withName(pod).get();
      if (p == null || p.getStatus() == null) {
        return Optional.empty();
      }
      return java.util.stream.Stream.concat(
              p.getStatus().getInitContainerStatuses().stream(),
              p.getStatus().getContainerStatuses().stream())
          .filter(s -> s.getName().equals("keychain-agent"))
          .findFirst();
    }

    @Override
    public boolean running() {
      return sidecar().map(s -> s.getState().getRunning() != null).orElse(false);
    }

    @Override
    public OptionalInt exitCode() {
      // The kubelet restarts an exited sidecar: its last termination is the exit.
      return sidecar()
          .flatMap(
              s ->
                  Optional.ofNullable(s.getState().getTerminated())
                      .or(() -> Optional.ofNullable(s.getLastState()).map(l -> l.getTerminated())))
          .map(t -> OptionalInt.of(t.getExitCode()))
          .orElse(OptionalInt.empty());
    }

    @Override
    public String log() {
      try {
        return client.pods().inNamespace(ns).withName(pod).inContainer("keychain-agent").getLog();
      } catch (RuntimeException e) {
        return "(agent log unavailable: " + e.getMessage() + ")";
      }
    }

    @Override
    public void close() {
      // The kubelet owns the agent; the namespace goes with the suite.
    }
  }
}
