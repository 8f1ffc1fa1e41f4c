package dev.keychain.core.audit;

/** Where reconcilers and webhooks send security events; one small interface for all of them. */
@FunctionalInterface
public interface AuditSink {
  void record(AuditEvent event);
}
