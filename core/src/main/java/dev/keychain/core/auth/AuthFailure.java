package dev.keychain.core.auth;

/**
 * A handshake step failed. The reason is typed for callers (metrics, retry policy, agent exit
 * codes) and the message says what was wrong in words a user can act on; neither carries key
 * material.
 */
public final class AuthFailure extends Exception {
  /** Why a handshake failed. */
  public enum Reason {
    /** A message could not be parsed or a field is invalid. */
    MALFORMED,
    /** A message arrived in a state that does not expect it. */
    UNEXPECTED_MESSAGE,
    /** The protocol version is not one this side speaks. */
    UNSUPPORTED_VERSION,
    /** The master's certificate does not chain to a trusted CA. */
    UNTRUSTED_MASTER,
    /** The master's signature over the transcript does not verify. */
    BAD_SIGNATURE,
    /** A timestamp lies outside the allowed clock skew. */
    STALE_TIMESTAMP,
    /** A nonce was seen before. */
    REPLAYED_NONCE,
    /** A key-confirmation or grant MAC does not verify. */
    MAC_MISMATCH,
    /** The granted key is older than the one the agent already holds. */
    WRONG_EPOCH,
    /** The agent's identity token was not accepted. */
    INVALID_TOKEN,
    /** The agent's key is revoked (its instance was deleted or it left the chain). */
    REVOKED,
    /** The agent's instance is restricted (Paused or Stopped): no key is granted. */
    RESTRICTED,
    /**
     * The agent's pod runs images its instance's whitelist does not verify (or the node has not
     * reported their digests yet): no key for this pod; the pod itself may run (the init container
     * ends without a key, the sidecar drops one it holds and asks again when the judgement
     * changes).
     */
    IMAGES_NOT_VERIFIED,
    /** The master could not decide (e.g. the API server is unavailable); retry later. */
    UNAVAILABLE
  }

  private final Reason reason;

  /**
   * The failure a refusal names; a reason this side does not know (a newer master's) is reported as
   * UNAVAILABLE, so that an agent retries instead of failing on it.
   */
  public static AuthFailure ofRefusal(String reason, String message) {
    for (Reason r : Reason.values()) {
      if (r.name().equals(reason)) {
        return new AuthFailure(r, message);
      }
    }
    return new AuthFailure(
        Reason.UNAVAILABLE,
        "refused for a reason this agent does not know (" + reason + "): " + message);
  }

  public AuthFailure(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** The message without the reason prefix. */
  public String detail() {
    String m = getMessage();
    return m.substring(reason.name().length() + 2);
  }
}
