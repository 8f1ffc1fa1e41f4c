package dev.keychain.operator.audit;

import dev.keychain.core.audit.AuditEvent;
import dev.keychain.core.audit.AuditEventType;
import dev.keychain.core.audit.AuditLogException;
import dev.keychain.core.audit.AuditLogVerifier;
import dev.keychain.core.audit.AuditSink;
import dev.keychain.core.audit.Checkpoint;
import dev.keychain.core.audit.HeadNote;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import dev.keychain.operator.api.v1alpha1.AuditLogStatus;
import dev.keychain.operator.chain.ChainProblem;
import dev.keychain.operator.chain.GroupEpochs;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.status.Conditions;
import dev.keychain.operator.status.KubernetesEvents;
import dev.keychain.operator.status.StatusPatch;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps an AuditLog open, checkpoints it on its interval, advances its trusted head (kept out of
 * the tenant's reach, {@link AuditTrust}) to each checkpoint that extends it, verifies the whole
 * log on its verify interval against that head, and projects all of it into status. A failure is a
 * finding that sticks, across verifications and restarts, until an administrator of the operator's
 * namespace acknowledges the exact head to accept, with the annotation {@value
 * AuditTrust#ACCEPT_HEAD} on the log's trust Secret; findings and acknowledgements are events,
 * metrics and records of the operator's own namespace's audit logs. Deleting the resource closes
 * the log but keeps its files and its trust.
 */
@ControllerConfiguration(name = "auditlog")
public class AuditLogReconciler implements Reconciler<AuditLog>, Cleaner<AuditLog> {
  private static final org.jboss.logging.Logger LOG =
      org.jboss.logging.Logger.getLogger(AuditLogReconciler.class);
  public static final String VERIFIED = "Verified";

  /** The acknowledgement annotation, which counts only on the trust Secret. */
  public static final String ACCEPT_HEAD = AuditTrust.ACCEPT_HEAD;

  private final AuditLogs logs;
  private final AuditTrust trust;
  private final KubernetesEvents events;
  private final AuditSink audit;
  private final OperatorMetrics metrics;

  public AuditLogReconciler(
      AuditLogs logs,
      AuditTrust trust,
      KubernetesEvents events,
      AuditSink audit,
      OperatorMetrics metrics) {
    this.logs = logs;
    this.trust = trust;
    this.events = events;
    this.audit = audit;
    this.metrics = metrics;
  }

  /**
   * A trust Secret wakes its log when its acknowledgement annotation changes, so that an
   * administrator's acceptance acts at once rather than at the next verification.
   */
  @Override
  public List<EventSource<?, AuditLog>> prepareEventSources(EventSourceContext<AuditLog> context) {
    var config =
        InformerEventSourceConfiguration.from(Secret.class, AuditLog.class)
            .withName("audit-trust")
            .withNamespaces(Set.of(trust.namespace()))
            .withLabelSelector(AuditTrust.LOG_NAMESPACE_LABEL)
            .withSecondaryToPrimaryMapper(
                secret -> {
                  String name =
                      Optional.ofNullable(secret.getMetadata().getAnnotations())
                          .map(a -> a.get(AuditTrust.LOG_NAME_ANNOTATION))
                          .orElse(null);
                  return name == null
                      ? Set.<ResourceID>of()
                      : Set.of(
                          new ResourceID(
                              name,
                              secret
                                  .getMetadata()
                                  .getLabels()
                                  .get(AuditTrust.LOG_NAMESPACE_LABEL)));
                })
            .withOnAddFilter(secret -> requested(secret) != null)
            .withOnUpdateFilter(
                (updated, old) -> !java.util.Objects.equals(requested(updated), requested(old)))
            .build();
    return List.of(new InformerEventSource<>(config, context));
  }

  private static String requested(Secret secret) {
    return Optional.ofNullable(secret.getMetadata().getAnnotations())
        .map(a -> a.get(ACCEPT_HEAD))
        .orElse(null);
  }

  @Override
  public UpdateControl<AuditLog> reconcile(AuditLog log, Context<AuditLog> context) {
    AuditLogStatus previous = log.getStatus() == null ? new AuditLogStatus() : log.getStatus();
    AuditLogStatus status = new AuditLogStatus();
    status.setConditions(previous.getConditions());
    status.setLastVerificationTime(previous.getLastVerificationTime());
    status.setLastVerificationResult(previous.getLastVerificationResult());
    status.setObservedGeneration(log.getMetadata().getGeneration());
    long generation = log.getMetadata().getGeneration();
    Duration checkpointInterval = GroupEpochs.parseDuration(log.getSpec().getCheckpointInterval());
    Duration verifyInterval = GroupEpochs.parseDuration(log.getSpec().getVerifyInterval());
    try {
      AuditLogs.OpenLog open = logs.ensureOpen(log);
      if (open.lastCheckpoint.plus(checkpointInterval).isBefore(Instant.now())) {
        logs.checkpoint(log);
      }
      AuditLogs.Head head = logs.head(open);
      acknowledgeIfAsked(log, open, head);
      if (trust.finding(log).isEmpty() && head.lastCheckpoint().isPresent()) {
        trust
            .advanceHead(log, head.lastCheckpoint().get(), size -> logs.rootAt(open, size))
            .ifPresent(problem -> found(log, problem));
      }
      Instant lastVerified =
          previous.getLastVerificationTime() == null
              ? null
              : Instant.parse(previous.getLastVerificationTime());
      if (lastVerified == null || !lastVerified.plus(verifyInterval).isAfter(Instant.now())) {
        verify(log, open, status);
      }
      project(log, open, head, status, generation);
    } catch (RuntimeException e) {
      if (e instanceof AuditLogException a && a.kind() == AuditLogException.Kind.KEY_MISMATCH) {
        // Fewer checkpoints on disk than keys evolved: cut short or put back from an older copy.
        found(log, a.getMessage() + " (the log was truncated or restored from an older copy)");
        projectFinding(log, status, Optional.empty(), generation);
      }
      String reason = e instanceof ChainProblem p ? p.reason() : "LogUnavailable";
      status.setConditions(
          Conditions.set(
              status.getConditions(), Conditions.READY, false, reason, e.getMessage(), generation));
      if (!Conditions.isFalseFor(previous.getConditions(), Conditions.READY, reason)) {
        events.warning(log, AuditEventType.STATE_CHANGED, reason, e.getMessage());
      }
    }
    Duration next =
        checkpointInterval.compareTo(verifyInterval) < 0 ? checkpointInterval : verifyInterval;
    return UpdateControl.patchStatus(StatusPatch.of(log, status, AuditLog::new))
        .rescheduleAfter(next);
  }

  /** Verifies the log on disk with K_0 and the public key against the trusted head. */
  private void verify(AuditLog log, AuditLogs.OpenLog open, AuditLogStatus status) {
    AuditLogVerifier.Report report = verifyAgainst(log, open, trust.trustedHead(log));
    status.setLastVerificationTime(Instant.now().toString());
    if (report.ok()) {
      status.setLastVerificationResult(
          "verified " + report.records() + " records and " + report.checkpoints() + " checkpoints");
    } else {
      String problem = report.problem().orElseThrow();
      status.setLastVerificationResult(problem);
      found(log, problem);
    }
  }

  /** The whole log with K_0 and the public key against {@code head}; K_0 is wiped after. */
  private AuditLogVerifier.Report verifyAgainst(
      AuditLog log, AuditLogs.OpenLog open, Optional<Checkpoint> head) {
    byte[] k0 = trust.initial(log);
    try {
      return logs.verify(open, k0, head);
    } finally {
      Arrays.fill(k0, (byte) 0);
    }
  }

  /** Records a finding once: stored, a Warning event, and a record of the operator's own logs. */
  private void found(AuditLog log, String problem) {
    if (trust.recordFinding(log, problem)) {
      events.warning(log, AuditEventType.STATE_CHANGED, "TamperDetected", problem);
      operatorRecord(log, "TamperDetected", problem);
    }
  }

  /**
   * Acts on {@value #ACCEPT_HEAD} while a finding stands: accepted only if it names exactly one of
   * the log's checkpoints and the log verifies with K_0 up to it; it then becomes the trusted head
   * (which later checkpoints extend as usual), and the acknowledgement is stored and recorded. Any
   * other value is refused with a Warning event saying why.
   */
  private void acknowledgeIfAsked(AuditLog log, AuditLogs.OpenLog open, AuditLogs.Head head) {
    if (Optional.ofNullable(log.getMetadata().getAnnotations())
        .map(a -> a.containsKey(ACCEPT_HEAD))
        .orElse(false)) {
      refuse(
          log,
          ACCEPT_HEAD
              + " on the AuditLog is ignored: whoever may edit it may not clear findings; annotate"
              + " Secret "
              + trust.namespace()
              + "/"
              + AuditTrust.secretName(log)
              + " instead");
    }
    Optional<String> request = trust.acceptRequest(log);
    if (request.isEmpty()) {
      return;
    }
    String asked = request.get();
    Optional<AuditTrust.Finding> finding = trust.finding(log);
    if (finding.isEmpty()) {
      trust.dismissRequest(log); // nothing to accept; it must not wait for a later finding
      refuse(log, ACCEPT_HEAD + " removed: no finding stands on this log");
      return;
    }
    String current = head.lastCheckpoint().map(Checkpoint::toText).orElse("(no checkpoint)");
    boolean isCheckpoint = logs.checkpoints(open).stream().anyMatch(c -> c.toText().equals(asked));
    if (!isCheckpoint) {
      trust.dismissRequest(log);
      refuse(
          log,
          ACCEPT_HEAD
              + " names "
              + abbreviate(asked)
              + ", which is no checkpoint of the log (its last is "
              + current
              + "): name exactly the head to accept");
      return;
    }
    Checkpoint accepted = Checkpoint.parse(asked);
    AuditLogVerifier.Report report = verifyAgainst(log, open, Optional.of(accepted));
    if (!report.ok()) {
      trust.dismissRequest(log);
      refuse(
          log, "the log does not verify even up to the head to accept: " + report.problem().get());
      return;
    }
    trust.acknowledge(log, accepted, finding.get().problem());
    String message = "head " + current + " accepted after the finding: " + finding.get().problem();
    events.normal(log, AuditEventType.STATE_CHANGED, "TamperAcknowledged", message);
    operatorRecord(log, "TamperAcknowledged", message);
  }

  private void refuse(AuditLog log, String why) {
    if (!why.equals(lastRefusal.put(id(log), why))) {
      events.warning(log, AuditEventType.STATE_CHANGED, "AcknowledgementRefused", why);
    }
  }

  private final Map<String, String> lastRefusal = new java.util.concurrent.ConcurrentHashMap<>();

  /** What status shows: the store's trusted head and finding, the open log's size and root. */
  private void project(
      AuditLog log,
      AuditLogs.OpenLog open,
      AuditLogs.Head head,
      AuditLogStatus status,
      long generation) {
    trust
        .trustedHead(log)
        .ifPresent(
            c -> {
              status.setLastCheckpoint(c.toText());
              status.setLastCheckpointSize(c.treeSize());
              status.setKeyIndex(c.keyIndex());
              status.setLastCheckpointTime(Instant.ofEpochMilli(c.timestamp()).toString());
            });
    trust.headNote(log).ifPresent(status::setHeadNote);
    status.setNoteVerifierKey(
        HeadNote.verifierKey(AuditTrust.origin(log), HexFormat.of().parseHex(open.publicKey)));
    status.setTreeSize(head.size());
    status.setCheckpointPublicKey(open.publicKey);
    status.setRootHash(HexFormat.of().formatHex(head.root()));
    projectFinding(log, status, head.lastCheckpoint(), generation);
    status.setConditions(
        Conditions.set(
            status.getConditions(),
            Conditions.READY,
            true,
            "Recording",
            "log open at " + open.dir + " with " + head.size() + " records",
            generation));
  }

  /** Verified: False while a finding stands (naming how to accept {@code current}), else True. */
  private void projectFinding(
      AuditLog log, AuditLogStatus status, Optional<Checkpoint> current, long generation) {
    Optional<AuditTrust.Finding> finding = trust.finding(log);
    metrics
        .auditTamperFindings
        .labelValues(log.getMetadata().getNamespace(), log.getMetadata().getName())
        .set(finding.isPresent() ? 1 : 0);
    if (finding.isPresent()) {
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              VERIFIED,
              false,
              "TamperDetected",
              finding.get().problem()
                  + " (found "
                  + finding.get().detectedAt()
                  + "; it stands until an administrator accepts the log's head: kubectl -n "
                  + trust.namespace()
                  + " annotate secret "
                  + AuditTrust.secretName(log)
                  + " "
                  + ACCEPT_HEAD
                  + "="
                  + current.map(Checkpoint::toText).orElse("<the head, once the log opens>")
                  + ")",
              generation));
    } else if (status.getLastVerificationTime() != null) {
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              VERIFIED,
              true,
              "Intact",
              status.getLastVerificationResult(),
              generation));
    }
  }

  /** A record for the audit logs of the operator's namespace: its own account of findings. */
  private void operatorRecord(AuditLog log, String reason, String message) {
    try {
      audit.record(
          new AuditEvent(
              AuditEventType.STATE_CHANGED,
              Instant.now(),
              trust.namespace(),
              "AuditLog",
              id(log),
              reason,
              message,
              Map.of()));
    } catch (dev.keychain.core.audit.AuditUnwritableException e) {
      LOG.warnf("finding on %s not recorded in the operator's logs: %s", id(log), e.getMessage());
    }
  }

  private static String id(AuditLog log) {
    return log.getMetadata().getNamespace() + "/" + log.getMetadata().getName();
  }

  private static String abbreviate(String s) {
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  @Override
  public DeleteControl cleanup(AuditLog log, Context<AuditLog> context) {
    logs.close(log);
    return DeleteControl.defaultDelete();
  }
}
