package dev.keychain.testing.controlplane;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the local control plane (etcd, kube-apiserver, kube-controller-manager) until killed, for
 * running the operator without a cluster. Usage: {@code LocalControlPlaneMain <state-dir>}; the
 * admin kubeconfig is written to {@code <state-dir>/kubeconfig} once the API server is ready.
 */
public final class LocalControlPlaneMain {
  private LocalControlPlaneMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: LocalControlPlaneMain <state-dir>");
      System.exit(2);
    }
    Path stateDir = Path.of(args[0]).toAbsolutePath();
    Files.createDirectories(stateDir);
    Path published = stateDir.resolve("kubeconfig");
    Files.deleteIfExists(published);
    System.err.println(
        "[control-plane] starting etcd, kube-apiserver and kube-controller-manager (Kubernetes "
            + ControlPlaneBinaries.version()
            + ")");
    LocalControlPlane plane =
        LocalControlPlane.start(
            LocalControlPlane.Options.withControllerManager(),
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
