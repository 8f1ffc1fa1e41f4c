package dev.keychain.operator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real agent program ({@code agent/target/keychain-agent.jar}) as its own process, configured
 * as the injection webhook configures it in a pod: the operator URL and CA bundle, the pod's bound
 * token in a file, the key directory.
 */
public final class AgentProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private AgentProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static AgentProcess start(String command, Map<String, String> env, Path log) {
    Path jar = Path.of("..", "agent", "target", "keychain-agent.jar").toAbsolutePath().normalize();
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: build the agent module first");
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder =
        new ProcessBuilder(java.toString(), "-XX:+UseSerialGC", "-jar", jar.toString(), command);
    builder.environment().keySet().removeIf(k -> k.startsWith("KEYCHAIN_"));
    builder.environment().putAll(env);
    builder.redirectErrorStream(true);
    try {
      Files.createDirectories(log.getParent());
      builder.redirectOutput(log.toFile());
      return new AgentProcess(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for the exit code; fails if the agent is still running after {@code timeout}. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("agent still running after " + timeout + "; log:\n" + log());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
