package dev.keychain.core.auth;

/**
 * The agent endpoint's HTTP surface, shared by the operator and the agent: the two handshake steps,
 * and a long-poll that tells an agent when its instance changed so that it handshakes again. The
 * watch is only a hint: an agent acts (takes a new key, wipes its key) only on what a verified
 * handshake tells it.
 */
public final class AgentApi {
  public static final String HELLO = "/agent/v1/hello";
  public static final String CONFIRM = "/agent/v1/confirm";
  public static final String WATCH = "/agent/v1/watch";

  /**
   * The media type of a {@link Messages.GrantBundle}. An agent that can hold shares lists it in the
   * confirm's {@code Accept}; an operator that serves shares answers with it, and one that does not
   * (older) answers a plain key grant, which an older agent is always sent.
   */
  public static final String GRANT_BUNDLE = "application/vnd.keychain.grant-bundle.v1+json";

  /** Longest a watch is parked before it is answered "unchanged". */
  public static final int MAX_WATCH_SECONDS = 60;

  private AgentApi() {}

  /** Agent to operator: wake me when my instance's key state differs from {@code since}. */
  public record WatchRequest(int v, String token, String since, int timeoutSeconds) {
    public WatchRequest {
      Messages.checkVersion(v);
      Wire.require(token != null && !token.isBlank(), "token is missing");
      Wire.require(token.length() <= 16 * 1024, "token is longer than 16 KiB");
      Wire.require(since != null && since.length() <= 64, "since is missing or too long");
      Wire.require(
          timeoutSeconds >= 1 && timeoutSeconds <= MAX_WATCH_SECONDS,
          "timeoutSeconds must be 1 to " + MAX_WATCH_SECONDS);
    }
  }

  /** Operator to agent: the instance's key state now, and whether it differs from the request's. */
  public record WatchResponse(int v, String state, boolean changed) {
    public WatchResponse {
      Messages.checkVersion(v);
      Wire.require(state != null && state.length() <= 64, "state is missing or too long");
    }
  }
}
