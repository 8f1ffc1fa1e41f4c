package dev.keychain.scenarios;

import dev.keychain.testing.controlplane.LocalControlPlane;
import dev.keychain.testing.controlplane.LocalNode;
import dev.keychain.testing.fixtures.Helm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The operator installed on the local node as users install it: the operator and agent images built
 * from this build's packages ({@code kind-test/images/build-images.sh}) and imported into the node,
 * then {@code helm install} of the chart (two replicas, webhooks through the Service, leader
 * election, the rendered RBAC) with {@code --wait}.
 */
public final class NodeInstall {
  public static final String RELEASE = "keychain";
  public static final String NAMESPACE = OperatorProcess.NAMESPACE;
  public static final String DEPLOYMENT = "keychain-operator";
  public static final String LEASE = "keychain-operator-leader";

  /** The test applications' image (static busybox), given to the node at its start. */
  public static final String APP_IMAGE = "keychain.local/app:1";

  private final LocalControlPlane plane;
  private final Helm helm;
  private final String tag;

  private NodeInstall(LocalControlPlane plane, Helm helm, String tag) {
    this.plane = plane;
    this.helm = helm;
    this.tag = tag;
  }

  /**
   * Builds and imports the images, then installs the chart with {@code values} (--set pairs) beside
   * the image settings; returns once both replicas are Ready.
   */
  public static NodeInstall install(LocalControlPlane plane, Map<String, String> values) {
    LocalNode node =
        plane.node().orElseThrow(() -> new IllegalStateException("the plane has no node"));
    String tag = buildImages();
    Path images = OperatorProcess.root().resolve("target/images");
    for (String image : List.of("keychain-operator", "keychain-agent")) {
      node.importImage(images.resolve(image), "keychain.local/" + image + ":" + tag);
    }
    NodeInstall install = new NodeInstall(plane, Helm.locate(), tag);
    install.helm("install", values);
    return install;
  }

  /** The image tag the build gave both images (the project version). */
  public String tag() {
    return tag;
  }

  /** {@code helm upgrade} with the same images and {@code values}; waits for the rollout. */
  public void upgrade(Map<String, String> values) {
    helm("upgrade", values);
  }

  private void helm(String verb, Map<String, String> values) {
    List<String> args =
        new ArrayList<>(
            List.of(
                verb,
                RELEASE,
                OperatorProcess.root().resolve("helm/keychain-operator").toString(),
                "--namespace",
                NAMESPACE,
                "--wait",
                "--timeout",
                "5m"));
    if (verb.equals("install")) {
      args.add("--create-namespace");
    }
    Map<String, String> all = new java.util.LinkedHashMap<>();
    all.put("image.repository", "keychain.local/keychain-operator");
    all.put("image.tag", tag);
    all.put("image.pullPolicy", "Never");
    all.put("agent.image.repository", "keychain.local/keychain-agent");
    all.put("agent.image.tag", tag);
    all.put("agent.image.pullPolicy", "Never");
    all.putAll(values);
    all.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    Helm.Run run =
        helm.run(
            Duration.ofMinutes(6),
            Map.of("KUBECONFIG", plane.kubeconfig().toString()),
            args.toArray(String[]::new));
    if (run.exit() != 0) {
      throw new ScenarioFailure(
          "helm " + verb + " failed:\n" + run.output() + "\n" + describeOperatorPods());
    }
  }

  /** The operator's pods, Running or not. */
  public List<Pod> operatorPods() {
    return plane
        .client()
        .pods()
        .inNamespace(NAMESPACE)
        .withLabel("app.kubernetes.io/name", "keychain-operator")
        .list()
        .getItems();
  }

  /** The pod whose replica holds the leader Lease (its identity starts with the pod's name). */
  public Optional<String> leaderPod() {
    Lease lease = plane.client().leases().inNamespace(NAMESPACE).withName(LEASE).get();
    if (lease == null || lease.getSpec().getHolderIdentity() == null) {
      return Optional.empty();
    }
    String holder = lease.getSpec().getHolderIdentity();
    return operatorPods().stream()
        .map(p -> p.getMetadata().getName())
        .filter(name -> holder.startsWith(name + "@") || holder.startsWith(name + "-"))
        .findFirst();
  }

  /** Scales the operator's Deployment and waits until that many replicas are Ready (or gone). */
  public void scale(int replicas) {
    KubernetesClient client = plane.client();
    client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).scale(replicas);
    Await.until(
        "the operator to run " + replicas + " Ready replicas",
        Duration.ofMinutes(3),
        () -> {
          List<Pod> pods = operatorPods();
          long ready = pods.stream().filter(NodeInstall::ready).count();
          return ready == replicas && pods.size() == replicas;
        });
  }

  static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getMetadata().getDeletionTimestamp() == null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Both replicas' logs, for failure reports. */
  public String operatorLogs() {
    StringBuilder out = new StringBuilder();
    for (Pod pod : operatorPods()) {
      String name = pod.getMetadata().getName();
      out.append("--- ").append(name).append('\n');
      try {
        out.append(
            plane.client().pods().inNamespace(NAMESPACE).withName(name).tailingLines(60).getLog());
      } catch (RuntimeException e) {
        out.append("(no log: ").append(e.getMessage()).append(")\n");
      }
    }
    return out.toString();
  }

  private String describeOperatorPods() {
    StringBuilder out = new StringBuilder();
    for (Pod pod : operatorPods()) {
      out.append(pod.getMetadata().getName())
          .append(": ")
          .append(pod.getStatus() == null ? "?" : pod.getStatus().getPhase())
          .append(' ')
          .append(pod.getStatus() == null ? "" : pod.getStatus().getContainerStatuses())
          .append('\n');
    }
    return out + operatorLogs();
  }

  /** Runs build-images.sh (after the operator and agent were packaged); returns the image tag. */
  private static String buildImages() {
    Path root = OperatorProcess.root();
    try {
      Path log = Files.createTempFile("build-images-", ".log");
      Process process =
          new ProcessBuilder("bash", root.resolve("kind-test/images/build-images.sh").toString())
              .directory(root.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IllegalStateException(
            "build-images.sh failed:\n" + Files.readString(log, StandardCharsets.UTF_8));
      }
      for (String line : Files.readAllLines(log)) {
        if (line.startsWith("keychain-agent:")) {
          return line.substring("keychain-agent:".length(), line.indexOf('@'));
        }
      }
      throw new IllegalStateException("build-images.sh printed no image: " + Files.readString(log));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
