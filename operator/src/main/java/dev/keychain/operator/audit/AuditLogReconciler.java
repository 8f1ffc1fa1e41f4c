package dev.keychain.operator.audit;

import dev.keychain.core.audit.AuditLogVerifier;
import dev.keychain.core.audit.Checkpoint;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import dev.keychain.operator.api.v1alpha1.AuditLogStatus;
import dev.keychain.operator.chain.ChainProblem;
import dev.keychain.operator.chain.GroupEpochs;
import dev.keychain.operator.status.Conditions;
import dev.keychain.operator.status.KubernetesEvents;
import dev.keychain.operator.status.StatusPatch;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Keeps an AuditLog open, checkpoints it on its interval, verifies the whole log on its verify
 * interval against the checkpoint last published in status (so truncation is caught), and publishes
 * the head. Deleting the resource closes the log but keeps its files and keys.
 */
@ControllerConfiguration(name = "auditlog")
public class AuditLogReconciler implements Reconciler<AuditLog>, Cleaner<AuditLog> {
  public static final String VERIFIED = "Verified";

  private final AuditLogs logs;
  private final AuditKeys keys;
  private final KubernetesEvents events;

  public AuditLogReconciler(AuditLogs logs, AuditKeys keys, KubernetesEvents events) {
    this.logs = logs;
    this.keys = keys;
    this.events = events;
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
      Instant lastVerified =
          previous.getLastVerificationTime() == null
              ? null
              : Instant.parse(previous.getLastVerificationTime());
      if (lastVerified == null || !lastVerified.plus(verifyInterval).isAfter(Instant.now())) {
        verify(log, open, previous, status, generation);
      }
      AuditLogs.Head head = logs.head(open);
      head.lastCheckpoint().ifPresent(c -> publish(c, status));
      status.setTreeSize(head.size());
      status.setCheckpointPublicKey(open.publicKey);
      status.setRootHash(HexFormat.of().formatHex(head.root()));
      status.setConditions(
          Conditions.set(
              status.getConditions(),
              Conditions.READY,
              true,
              "Recording",
              "log open at " + open.dir + " with " + head.size() + " records",
              generation));
    } catch (RuntimeException e) {
      String reason = e instanceof ChainProblem p ? p.reason() : "LogUnavailable";
      status.setConditions(
          Conditions.set(
              status.getConditions(), Conditions.READY, false, reason, e.getMessage(), generation));
      if (!Conditions.isFalseFor(previous.getConditions(), Conditions.READY, reason)) {
        events.warning(log, reason, e.getMessage());
      }
    }
    Duration next =
        checkpointInterval.compareTo(verifyInterval) < 0 ? checkpointInterval : verifyInterval;
    return UpdateControl.patchStatus(StatusPatch.of(log, status, AuditLog::new))
        .rescheduleAfter(next);
  }

  private void verify(
      AuditLog log,
      AuditLogs.OpenLog open,
      AuditLogStatus previous,
      AuditLogStatus status,
      long generation) {
    Optional<Checkpoint> head =
        Optional.ofNullable(previous.getLastCheckpoint()).map(Checkpoint::parse);
    byte[] k0 = keys.initial(log);
    AuditLogVerifier.Report report;
    try {
      report = logs.verify(open, k0, head);
    } finally {
      Arrays.fill(k0, (byte) 0);
    }
    status.setLastVerificationTime(Instant.now().toString());
    if (report.ok()) {
      String message =
          "verified " + report.records() + " records and " + report.checkpoints() + " checkpoints";
      status.setLastVerificationResult(message);
      status.setConditions(
          Conditions.set(status.getConditions(), VERIFIED, true, "Intact", message, generation));
    } else {
      String problem = report.problem().orElseThrow();
      status.setLastVerificationResult(problem);
      if (!Conditions.isFalseFor(previous.getConditions(), VERIFIED, "TamperDetected")) {
        events.warning(log, "TamperDetected", problem);
      }
      status.setConditions(
          Conditions.set(
              status.getConditions(), VERIFIED, false, "TamperDetected", problem, generation));
    }
  }

  private static void publish(Checkpoint c, AuditLogStatus status) {
    status.setLastCheckpoint(c.toText());
    status.setLastCheckpointSize(c.treeSize());
    status.setKeyIndex(c.keyIndex());
    status.setLastCheckpointTime(Instant.ofEpochMilli(c.timestamp()).toString());
  }

  @Override
  public DeleteControl cleanup(AuditLog log, Context<AuditLog> context) {
    logs.close(log);
    return DeleteControl.defaultDelete();
  }
}
