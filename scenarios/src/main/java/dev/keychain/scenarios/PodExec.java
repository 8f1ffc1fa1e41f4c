package dev.keychain.scenarios;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Commands run in a container of a running pod through the API server and the kubelet ({@code
 * kubectl exec}), as a user checks what an application sees.
 */
public final class PodExec {
  private final KubernetesClient client;
  private final Duration timeout;

  public PodExec(KubernetesClient client, Duration timeout) {
    this.client = client;
    this.timeout = timeout;
  }

  /** The command's standard output if it exited 0, empty if it exited otherwise. */
  public Optional<String> run(String ns, String pod, String container, String... command) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ExecWatch watch =
        client
            .pods()
            .inNamespace(ns)
            .withName(pod)
            .inContainer(container)
            .writingOutput(out)
            .exec(command)) {
      Integer exit = watch.exitCode().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return exit != null && exit == 0
          ? Optional.of(out.toString(StandardCharsets.UTF_8))
          : Optional.empty();
    } catch (Exception e) {
      throw new ScenarioFailure(
          "cannot run " + String.join(" ", command) + " in " + ns + "/" + pod + "/" + container, e);
    }
  }

  /** A file's content as the container sees it, empty if it cannot be read (e.g. absent). */
  public Optional<String> read(String ns, String pod, String container, String path) {
    return run(ns, pod, container, "cat", path);
  }
}
