package dev.keychain.operator.pods;

/**
 * The names an injected pod carries: what the injection webhook writes (which instance, group and
 * chain the agent serves, its number, where keys go) and what the agent endpoint records when an
 * agent receives keys (key ID, epoch, last seen). Injection, the agent endpoint and the instance
 * reconciler all read them; they live here so that none of those depends on another for names.
 */
public final class AgentPodAnnotations {
  private AgentPodAnnotations() {}

  /** On a pod: {@code false} opts it out of agent injection. */
  /** The agent's containers, which the injection webhook adds: the init enrolment, the sidecar. */
  public static final String INIT_CONTAINER = "keychain-agent-init";

  public static final String SIDECAR_CONTAINER = "keychain-agent";

  public static final String INJECT = "keychain.dev/inject";

  public static final String INJECTED = "keychain.dev/injected";
  public static final String INSTANCE = "keychain.dev/instance";
  public static final String GROUP = "keychain.dev/cluster-group";
  public static final String CHAIN = "keychain.dev/key-chain";
  public static final String AGENT_NUMBER = "keychain.dev/agent-number";
  public static final String KEY_PATH = "keychain.dev/key-path";

  /** Label on injected pods: lets the agent endpoint watch only them. */
  public static final String AGENT_LABEL = "keychain.dev/agent";

  /** What the agent endpoint records when an agent received keys. */
  public static final String ACK_KEY_ID = "keychain.dev/agent-key-id";

  public static final String ACK_EPOCH = "keychain.dev/agent-epoch";
  public static final String ACK_SEEN = "keychain.dev/agent-last-seen";

  /** The KeyShare versions last served to the agent: {@code namespace/share=version,...}. */
  public static final String ACK_SHARES = "keychain.dev/agent-shares";
}
