package dev.keychain.core.oci;

/** A registry call failed; the message names the image and what went wrong. */
public final class RegistryException extends Exception {
  /** Why. */
  public enum Reason {
    NOT_FOUND,
    UNAUTHORIZED,
    DIGEST_MISMATCH,
    MALFORMED,
    TOO_LARGE,
    UNAVAILABLE
  }

  private final Reason reason;

  public RegistryException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /**
   * Whether the registry could not be consulted (unreachable, or access refused) rather than
   * answering with data that does not verify: a denial forced by it is not cached.
   */
  public boolean sourceUnavailable() {
    return reason == Reason.UNAVAILABLE || reason == Reason.UNAUTHORIZED;
  }
}
