package dev.keychain.core.audit;

/**
 * A record that could not be made durable in an audit log that selects it (a full or failing disk),
 * where the operator is set to fail closed: the decision the record is about must not take effect.
 * The message names the logs and why, never what the record held.
 */
public final class AuditUnwritableException extends RuntimeException {
  public AuditUnwritableException(String message) {
    super(message);
  }
}
