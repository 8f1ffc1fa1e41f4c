package dev.keychain.testing.controlplane;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the local control plane (etcd, kube-apiserver, kube-controller-manager) until killed, for
 * running the operator without a cluster. Usage: {@code LocalControlPlaneMain [--node]
 * <state-dir>}; with {@code --node}, the machine's real node joins it (kube-scheduler, kubelet,
 * kube-proxy, cluster DNS: {@link LocalNode}). The admin kubeconfig is written to {@code
 * <state-dir>/kubeconfig} once the API server (and the node) are ready.
 */
public final class LocalControlPlaneMain {
  private LocalControlPlaneMain() {}

  public static void main(String[] args) throws Exception {
    boolean withNode = args.length == 2 && args[0].equals("--node");
    if (args.length != (withNode ? 2 : 1)) {
      System.err.println("usage: LocalControlPlaneMain [--node] <state-dir>");
      System.exit(2);
    }
    Path stateDir = Path.of(args[args.length - 1]).toAbsolutePath();
    Files.createDirectories(stateDir);
    Path published = stateDir.resolve("kubeconfig");
    Files.deleteIfExists(published);
    System.err.println(
        "[control-plane] starting etcd, kube-apiserver and kube-controller-manager"
            + (withNode ? ", kube-scheduler and a node" : "")
            + " (Kubernetes "
            + ControlPlaneBinaries.version()
            + ")");
    LocalControlPlane plane =
        LocalControlPlane.start(
            withNode
                ? LocalControlPlane.Options.withNode()
                : LocalControlPlane.Options.withControllerManager(),
            ControlPlaneBinaries.locate(),
            stateDir.resolve("run"));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  plane.close();
                  stopped.countDown();
                }));
    // Publish the kubeconfig atomically: its presence tells the launcher the plane is ready.
    Path tmp = stateDir.resolve("kubeconfig.tmp");
    Files.copy(plane.kubeconfig(), tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, published, StandardCopyOption.ATOMIC_MOVE);
    System.err.println(
        "[control-plane] ready at " + plane.apiServerUrl() + "; kubeconfig: " + published);
    stopped.await();
  }
}
