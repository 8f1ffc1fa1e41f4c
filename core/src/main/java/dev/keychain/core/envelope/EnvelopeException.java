package dev.keychain.core.envelope;

/** A stored key could not be sealed or opened; the message names why, never key material. */
public final class EnvelopeException extends RuntimeException {
  /** Why. */
  public enum Reason {
    MALFORMED,
    UNKNOWN_KEK,
    AUTHENTICATION_FAILED,
    WRONG_TENANT_SHARE,
    PROVIDER_FAILURE
  }

  private final Reason reason;

  public EnvelopeException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public EnvelopeException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
