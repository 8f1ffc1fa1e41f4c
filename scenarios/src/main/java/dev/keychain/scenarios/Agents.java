package dev.keychain.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Who runs the agents of the suite's pods: processes started by the suite with the pod's real bound
 * token (no kubelet on the local control plane), or the kubelet of a real cluster.
 */
public interface Agents {
  /** Starts (or waits for) the agent of an injected pod: it has enrolled when this returns. */
  Agent attach(Pod pod);

  /** One pod's agent as the application container sees it. */
  interface Agent extends AutoCloseable {
    /** The key metadata ({@code key.json}) the agent holds for the application, if any. */
    Optional<JsonNode> heldKey();

    /** Whether the refreshing agent is still running. */
    boolean running();

    /** The refreshing agent's exit code once it has exited. */
    OptionalInt exitCode();

    /** What the agent printed, for failure reports. */
    String log();

    @Override
    void close();
  }
}
