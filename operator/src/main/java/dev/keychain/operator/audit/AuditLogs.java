package dev.keychain.operator.audit;

import dev.keychain.core.audit.AuditEvent;
import dev.keychain.core.audit.AuditLogVerifier;
import dev.keychain.core.audit.AuditLogWriter;
import dev.keychain.core.audit.AuditSink;
import dev.keychain.core.audit.Checkpoint;
import dev.keychain.core.audit.GroupCommit;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The open audit logs of this operator, and the sink that feeds them: an event goes to every
 * AuditLog of its namespace that selects its type. Records are durable before {@link #record}
 * returns (group commit: concurrent records share an fsync); a checkpoint follows every {@code
 * checkpointEveryRecords} records.
 */
@Singleton
public class AuditLogs implements AuditSink {
  private static final Logger LOG = Logger.getLogger(AuditLogs.class);
  private static final long SEGMENT_BYTES = 64L * 1024 * 1024;

  /** One open log. */
  static final class OpenLog {
    final AuditLog spec;
    final AuditLogWriter writer;
    final Path dir;
    final String publicKey;
    Instant lastCheckpoint = Instant.now();

    OpenLog(AuditLog spec, AuditLogWriter writer, Path dir, String publicKey) {
      this.spec = spec;
      this.writer = writer;
      this.dir = dir;
      this.publicKey = publicKey;
    }
  }

  private final Map<String, OpenLog> open = new HashMap<>();
  private final java.util.Set<String> dirty = new java.util.HashSet<>();
  private final GroupCommit commit = new GroupCommit(this, this::flushDirty);
  private final AuditKeys keys;
  private final Path dataDir;
  private final AuditForwarder forwarder;

  public AuditLogs(
      AuditKeys keys,
      @ConfigProperty(
              name = "keychain.audit.data-dir",
              defaultValue = "/var/lib/keychain-operator/audit")
          String dataDir,
      AuditForwarder forwarder) {
    this.keys = keys;
    this.dataDir = Path.of(dataDir);
    this.forwarder = forwarder;
    forwarder.recordLocallyWith(this::recordLocally);
  }

  private static String id(AuditLog log) {
    return log.getMetadata().getNamespace() + "/" + log.getMetadata().getName();
  }

  Path directory(AuditLog log) {
    String path = log.getSpec().getPath();
    return path != null
        ? Path.of(path)
        : dataDir.resolve(log.getMetadata().getNamespace()).resolve(log.getMetadata().getName());
  }

  /** Opens (recovering) or refreshes the log of {@code log}. */
  synchronized OpenLog ensureOpen(AuditLog log) {
    OpenLog existing = open.get(id(log));
    if (existing != null && existing.writer.failed()) {
      // A failed write stopped it; reopening cuts a torn tail and catches the key up.
      LOG.warnf("audit log %s stopped after a failed write; reopening it", id(log));
      open.remove(id(log));
      dirty.remove(id(log));
      existing.writer.close();
      existing = null;
    }
    if (existing != null) {
      OpenLog refreshed = new OpenLog(log, existing.writer, existing.dir, existing.publicKey);
      refreshed.lastCheckpoint = existing.lastCheckpoint;
      open.put(id(log), refreshed);
      return refreshed;
    }
    Path dir = directory(log);
    AuditLogWriter writer =
        AuditLogWriter.open(
            dir,
            keys.current(log),
            (index, key) -> keys.storeCurrent(log, index, key),
            SEGMENT_BYTES);
    String publicKey = null;
    if (Boolean.TRUE.equals(log.getSpec().getSignCheckpoints())) {
      var signing = keys.signing(log);
      writer.signCheckpointsWith(signing);
      publicKey = java.util.HexFormat.of().formatHex(signing.generatePublicKey().getEncoded());
    }
    OpenLog opened = new OpenLog(log, writer, dir, publicKey);
    open.put(id(log), opened);
    return opened;
  }

  synchronized Optional<Checkpoint> checkpoint(AuditLog log) {
    OpenLog l = open.get(id(log));
    if (l == null || l.writer.recordsSinceCheckpoint() == 0) {
      return Optional.empty();
    }
    Checkpoint c = l.writer.checkpoint(System.currentTimeMillis()); // returns once durable
    l.lastCheckpoint = Instant.now();
    Integer retain = log.getSpec().getRetainSegments();
    if (retain != null) {
      int dropped = l.writer.prune(retain);
      if (dropped > 0) {
        LOG.infof("audit log %s: retention dropped %d segment(s)", id(log), dropped);
      }
    }
    return Optional.of(c);
  }

  /** What the status shows of an open log, read consistently with the appenders. */
  record Head(long size, byte[] root, Optional<Checkpoint> lastCheckpoint) {}

  synchronized Head head(OpenLog l) {
    l.writer.sync();
    return new Head(l.writer.size(), l.writer.tree().root(), l.writer.lastCheckpoint());
  }

  /** Verifies the whole log on disk with everything appended so far written and durable. */
  synchronized AuditLogVerifier.Report verify(OpenLog l, byte[] k0, Optional<Checkpoint> head) {
    l.writer.sync();
    return AuditLogVerifier.verify(l.dir, k0, head);
  }

  synchronized void close(AuditLog log) {
    OpenLog l = open.remove(id(log));
    dirty.remove(id(log));
    if (l != null) {
      l.writer.close();
    }
  }

  /**
   * Records the event: in this replica's logs when it leads (or leader election is off), else at
   * the leader, which alone holds the logs open (see {@link AuditForwarder}).
   */
  @Override
  public void record(AuditEvent event) {
    if (forwarder.anotherReplicaLeads()) {
      forwarder.forward(event);
      return;
    }
    recordLocally(event);
  }

  /**
   * Appends the event to every log that selects it and returns once it is durable. Concurrent
   * callers (webhooks under load) share fsyncs through group commit; appends stay serialised.
   */
  void recordLocally(AuditEvent event) {
    long ticket;
    synchronized (this) {
      boolean appended = false;
      for (OpenLog l : open.values()) {
        if (!l.spec.getMetadata().getNamespace().equals(event.namespace())) {
          continue;
        }
        List<String> selected = l.spec.getSpec().getEvents();
        if (selected != null && !selected.isEmpty() && !selected.contains(event.type())) {
          continue;
        }
        try {
          l.writer.append(event.canonicalJson());
          dirty.add(id(l.spec));
          appended = true;
          if (l.writer.recordsSinceCheckpoint() >= l.spec.getSpec().getCheckpointEveryRecords()) {
            // Made durable with this record by the group commit below.
            l.writer.appendCheckpoint(System.currentTimeMillis());
            l.lastCheckpoint = Instant.now();
          }
        } catch (RuntimeException e) {
          LOG.errorf(
              "cannot record %s in audit log %s: %s", event.type(), id(l.spec), e.getMessage());
        }
      }
      if (!appended) {
        return;
      }
      ticket = commit.ticket();
    }
    try {
      commit.awaitDurable(ticket);
    } catch (RuntimeException e) {
      LOG.errorf("cannot sync audit logs after %s: %s", event.type(), e.getMessage());
    }
  }

  /** Under this lock: writes what the logs appended since the last sync; returns their forces. */
  private List<Runnable> flushDirty() {
    List<Runnable> forces = new java.util.ArrayList<>();
    for (String id : dirty) {
      OpenLog l = open.get(id);
      if (l != null) {
        forces.add(l.writer.flush());
      }
    }
    dirty.clear();
    return forces;
  }

  /** How many syncs made records durable (each covering one or more records). */
  public long syncs() {
    return commit.syncs();
  }

  synchronized Optional<OpenLog> get(AuditLog log) {
    return Optional.ofNullable(open.get(id(log)));
  }
}
