package dev.keychain.testing.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where the control-plane binaries are: {@code KEYCHAIN_K8S_BIN} (or the system property {@code
 * keychain.k8s.bin}) if set, else the cache that {@code kind-test/local/build-k8s-binaries.sh}
 * fills. When they are missing and the script can be found, it is run (the first build takes
 * minutes; its progress goes to this process's standard error).
 */
public record ControlPlaneBinaries(Path dir) {
  public static final String DEFAULT_VERSION = "1.34.4";
  static final String SCRIPT = "kind-test/local/build-k8s-binaries.sh";

  public Path etcd() {
    return dir.resolve("etcd");
  }

  public Path kubeApiserver() {
    return dir.resolve("kube-apiserver");
  }

  public Path kubeControllerManager() {
    return dir.resolve("kube-controller-manager");
  }

  public Path kubectl() {
    return dir.resolve("kubectl");
  }

  public static String version() {
    String fromBuild = System.getProperty("keychain.k8s.version");
    return fromBuild == null || fromBuild.isBlank() ? DEFAULT_VERSION : fromBuild;
  }

  /** Finds the binaries, building them with the project script if needed. */
  public static ControlPlaneBinaries locate() {
    String configured = System.getProperty("keychain.k8s.bin", System.getenv("KEYCHAIN_K8S_BIN"));
    if (configured != null && !configured.isBlank()) {
      return verified(Path.of(configured));
    }
    String cacheRoot = System.getenv("KEYCHAIN_CACHE");
    Path cache =
        (cacheRoot != null
                ? Path.of(cacheRoot)
                : Path.of(System.getProperty("user.home"), ".cache", "keychain-operator"))
            .resolve("k8s")
            .resolve("v" + version())
            .resolve("bin");
    if (!Files.exists(cache.resolve(".complete"))) {
      build();
    }
    return verified(cache);
  }

  private static ControlPlaneBinaries verified(Path dir) {
    ControlPlaneBinaries binaries = new ControlPlaneBinaries(dir);
    for (Path binary :
        List.of(binaries.etcd(), binaries.kubeApiserver(), binaries.kubeControllerManager())) {
      if (!Files.isExecutable(binary)) {
        throw new IllegalStateException(
            "missing control-plane binary "
                + binary
                + "; run "
                + SCRIPT
                + " (builds Kubernetes "
                + version()
                + " from the Go module proxy)");
      }
    }
    return binaries;
  }

  private static void build() {
    Path script = findScript();
    System.err.println(
        "[control-plane] Kubernetes " + version() + " binaries not cached; running " + script);
    try {
      ProcessBuilder builder =
          new ProcessBuilder("bash", script.toString())
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      builder.environment().put("K8S_VERSION", version());
      Process process = builder.start();
      if (!process.waitFor(60, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IllegalStateException(script + " failed; see its output above");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building binaries", e);
    }
  }

  private static Path findScript() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve(SCRIPT);
      if (Files.exists(candidate)) {
        return candidate;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException(
        "control-plane binaries missing and " + SCRIPT + " not found above the working directory");
  }
}
