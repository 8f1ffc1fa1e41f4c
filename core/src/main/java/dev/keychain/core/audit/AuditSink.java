package dev.keychain.core.audit;

/** Where reconcilers and webhooks send security events; one small interface for all of them. */
@FunctionalInterface
public interface AuditSink {
  /**
   * Records {@code event} durably.
   *
   * @throws AuditUnwritableException when a log that selects it cannot be written and the operator
   *     fails closed ({@code keychain.audit.when-unwritable=deny}): callers deciding admission or
   *     grants then deny; others carry on
   */
  void record(AuditEvent event);
}
