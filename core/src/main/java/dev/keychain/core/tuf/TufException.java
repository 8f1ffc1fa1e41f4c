package dev.keychain.core.tuf;

/** Trust data could not be established; the message names the role, file and what is wrong. */
public final class TufException extends Exception {
  /** Why, for metrics and tests. */
  public enum Reason {
    MALFORMED,
    UNTRUSTED_ROOT,
    THRESHOLD_NOT_MET,
    EXPIRED,
    ROLLBACK,
    HASH_MISMATCH,
    NOT_FOUND,
    UNAVAILABLE
  }

  private final Reason reason;

  public TufException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
