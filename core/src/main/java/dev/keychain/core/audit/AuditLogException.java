package dev.keychain.core.audit;

/** The log cannot be opened or written; the message names the segment and offset. */
public final class AuditLogException extends RuntimeException {
  /** Why. */
  public enum Kind {
    CORRUPT,
    KEY_MISMATCH,
    IO
  }

  private final Kind kind;

  public AuditLogException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public AuditLogException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
