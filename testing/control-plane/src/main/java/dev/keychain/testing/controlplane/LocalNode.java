package dev.keychain.testing.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The machine's one real node (kubelet, kube-proxy, containerd, cluster DNS), driven through the
 * project's script {@code kind-test/local/node.sh}, which owns everything done to the host (pod
 * network, daemons, mounts, cleanup of a killed run's leftovers). The control plane starts it in
 * two steps: {@link #prepare()} before the API server (which must bind to the pod bridge's address,
 * the only one that pods and the machine share), {@link #up} once it serves.
 */
public final class LocalNode implements AutoCloseable {
  /** The node's name as the kubelet registers it. */
  public static final String NAME = "keychain-node";

  /** The script, relative to the source tree's root. */
  static final String SCRIPT = "kind-test/local/node.sh";

  private final Path script;
  private final String address;
  private boolean closed;

  private LocalNode(Path script, String address) {
    this.script = script;
    this.address = address;
  }

  /**
   * Why no node can run on this machine (not root, no cgroups, port 10250 taken, ...), or empty
   * when one can. The reason is one line, as the script prints it.
   */
  public static Optional<String> unavailableReason() {
    Result check = run(script(), Duration.ofSeconds(30), "check");
    return check.exitCode() == 0 ? Optional.empty() : Optional.of(check.lastLine());
  }

  /** Removes an earlier run's leftovers and makes the pod network; returns the node. */
  static LocalNode prepare() {
    Path script = script();
    Result result = run(script, Duration.ofMinutes(2), "prepare");
    if (result.exitCode() != 0) {
      throw new IllegalStateException(
          "cannot prepare the local node (" + script + " prepare):\n" + result.output());
    }
    return new LocalNode(script, result.lastLine().trim());
  }

  /** The node's address: the pod bridge's, where the API server and the kubelet listen. */
  public String address() {
    return address;
  }

  /** Starts containerd, kubelet, kube-proxy and cluster DNS; returns once the node is Ready. */
  void up(Path configDir) {
    Result result = run(script, Duration.ofMinutes(20), "up", configDir.toString());
    if (result.exitCode() != 0) {
      throw new IllegalStateException(
          "the local node did not come up (" + script + " up):\n" + result.output());
    }
  }

  /** Imports an OCI image layout into the node's containerd under {@code reference}. */
  public void importImage(Path layout, String reference) {
    Result result = run(script, Duration.ofMinutes(5), "import", layout.toString(), reference);
    if (result.exitCode() != 0) {
      throw new IllegalStateException("cannot import " + reference + ":\n" + result.output());
    }
  }

  /** The node's log files (kubelet, kube-proxy, containerd), for failure reports. */
  public Path logs() {
    return home().resolve("logs");
  }

  /**
   * The OCI layout of one of the images the node was given at start ({@code keychain.local/app:1},
   * {@code keychain.local/pause:...}), to derive test images from.
   */
  public Path imageLayout(String reference) {
    try {
      for (String line : Files.readAllLines(home().resolve("images.txt"))) {
        String[] parts = line.trim().split(" ");
        if (parts.length == 2 && parts[1].equals(reference)) {
          return Path.of(parts[0]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the node's image list is unreadable", e);
    }
    throw new IllegalArgumentException("the node was not given the image " + reference);
  }

  /**
   * Replaces the control plane's process IDs the node's cleanup ({@code node.sh down}) stops when a
   * JVM was killed: after a restart of some of them.
   */
  void recordControlPlanePids(String pids) {
    Path file = home().resolve("config").resolve("control-plane.pids");
    try {
      Path next = file.resolveSibling("control-plane.pids.next");
      Files.writeString(next, pids);
      Files.move(
          next,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Path home() {
    return Path.of(System.getenv().getOrDefault("KEYCHAIN_NODE_HOME", "/var/lib/keychain-node"));
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    Result result = run(script, Duration.ofMinutes(3), "down");
    if (result.exitCode() != 0) {
      System.err.println("[node] " + script + " down failed:\n" + result.output());
    }
  }

  private record Result(int exitCode, String output) {
    String lastLine() {
      String[] lines = output.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  private static Result run(Path script, Duration timeout, String... args) {
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(args));
    try {
      Path log = Files.createTempFile("keychain-node-", ".log");
      try {
        ProcessBuilder builder =
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = builder.start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
          return new Result(-1, Files.readString(log) + "\n(timed out after " + timeout + ")");
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(log);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + script, e);
    }
  }

  private static Path script() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(SCRIPT);
      if (Files.exists(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(SCRIPT + " not found above the working directory");
  }
}
