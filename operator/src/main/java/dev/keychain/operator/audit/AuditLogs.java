package dev.keychain.operator.audit;

import dev.keychain.core.audit.AdmissionReceipt;
import dev.keychain.core.audit.AuditEvent;
import dev.keychain.core.audit.AuditLogVerifier;
import dev.keychain.core.audit.AuditLogWriter;
import dev.keychain.core.audit.AuditSink;
import dev.keychain.core.audit.AuditUnwritableException;
import dev.keychain.core.audit.Checkpoint;
import dev.keychain.core.audit.GroupCommit;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import dev.keychain.operator.chain.ChainProblem;
import dev.keychain.operator.metrics.OperatorMetrics;
import jakarta.inject.Singleton;
import java.nio.file.Files;
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

  /** One open log. */
  static final class OpenLog {
    final AuditLog spec;
    final AuditLogWriter writer;
    final Path dir;
    final String publicKey;
    // Verifications read the segment files (shared); retention deletes them (exclusive).
    final java.util.concurrent.locks.ReentrantReadWriteLock files =
        new java.util.concurrent.locks.ReentrantReadWriteLock();
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
  private final AuditTrust trust;
  private final Path dataDir;
  private final long segmentBytes;
  private final double verifyCpuShare;
  private final AuditForwarder forwarder;
  private final AuditSelection selection;
  private final OperatorMetrics metrics;
  private final boolean failClosed;
  private final AdmissionReceipts admissionReceipts;

  public AuditLogs(
      AuditTrust trust,
      @ConfigProperty(
              name = "keychain.audit.data-dir",
              defaultValue = "/var/lib/keychain-operator/audit")
          String dataDir,
      // Segments are the unit of retention (64 MiB); tests set them small to prune quickly.
      @ConfigProperty(name = "keychain.audit.segment-bytes", defaultValue = "67108864")
          long segmentBytes,
      // Full verifications are hashing: at most this share of a core, so appends keep theirs.
      @ConfigProperty(name = "keychain.audit.verify-cpu-share", defaultValue = "0.5")
          double verifyCpuShare,
      // What a record that cannot be written (a full disk) does to the decision it records: deny
      // (fail closed: admission denies, grants are refused) or continue (counted as lost).
      @ConfigProperty(name = "keychain.audit.when-unwritable", defaultValue = "deny")
          String whenUnwritable,
      AuditForwarder forwarder,
      AuditSelection selection,
      OperatorMetrics metrics,
      AdmissionReceipts admissionReceipts) {
    this.admissionReceipts = admissionReceipts;
    this.selection = selection;
    this.failClosed =
        switch (whenUnwritable) {
          case "deny" -> true;
          case "continue" -> false;
          default ->
              throw new IllegalArgumentException(
                  "keychain.audit.when-unwritable must be deny or continue, not '"
                      + whenUnwritable
                      + "'");
        };
    this.metrics = metrics;
    this.trust = trust;
    this.dataDir = Path.of(dataDir).toAbsolutePath().normalize();
    this.segmentBytes = segmentBytes;
    dev.keychain.core.audit.VerificationPace.share(verifyCpuShare); // refuse a bad setting now
    this.verifyCpuShare = verifyCpuShare;
    this.forwarder = forwarder;
    forwarder.recordLocallyWith(this::recordLocally);
  }

  private static String id(AuditLog log) {
    return log.getMetadata().getNamespace() + "/" + log.getMetadata().getName();
  }

  /**
   * Where the log of {@code log} lives: {@code <data dir>/<namespace>/<name>}, derived by the
   * operator, never taken from a tenant (namespaces and names are DNS labels and subdomains: no
   * {@code /} and no {@code ..}). A spec that still names a path (it could reach another
   * namespace's log or leave the data directory) is refused, naming where the files belong.
   */
  Path directory(AuditLog log) {
    Path dir =
        dataDir.resolve(log.getMetadata().getNamespace()).resolve(log.getMetadata().getName());
    if (log.getSpec().getPath() != null) {
      throw new ChainProblem(
          "PathNotSupported",
          "spec.path is no longer supported: the log of "
              + id(log)
              + " lives at "
              + dir
              + "; move its files from "
              + log.getSpec().getPath()
              + " there and remove spec.path (docs/operations.md, Upgrade)");
    }
    return dir;
  }

  /**
   * Creates the log's directory and checks it resolves to itself: no symbolic link on the way may
   * lead it out of the data directory or into another log's.
   */
  private Path confined(AuditLog log) {
    Path dir = directory(log);
    try {
      Files.createDirectories(dir);
      Path real = dir.toRealPath();
      Path root = dataDir.toRealPath();
      if (!real.equals(root.resolve(dataDir.relativize(dir)))) {
        throw new ChainProblem(
            "PathOutsideDataDir",
            "the directory of audit log "
                + id(log)
                + " ("
                + dir
                + ") resolves to "
                + real
                + ": a symbolic link leads it away; the operator opens only "
                + root
                + "/<namespace>/<name>");
      }
      return dir;
    } catch (java.io.IOException e) {
      throw new ChainProblem(
          "LogUnavailable", "cannot create the directory " + dir + ": " + e.getMessage());
    }
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
    Path dir = confined(log);
    AuditLogWriter writer =
        AuditLogWriter.open(
            dir,
            trust.current(log),
            (index, key) -> trust.storeCurrent(log, index, key),
            segmentBytes);
    var signing = trust.signing(log);
    String publicKey = java.util.HexFormat.of().formatHex(signing.generatePublicKey().getEncoded());
    // Every checkpoint is signed: the key is the operator's, so a tenant cannot opt out of it.
    if (writer.startSigning(signing, System.currentTimeMillis())) {
      LOG.infof("audit log %s: its checkpoints were unsigned; signed from now on", id(log));
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
    // A verification reading the segments defers retention to the next checkpoint.
    if (retain != null && l.files.writeLock().tryLock()) {
      try {
        int dropped = l.writer.prune(retain);
        if (dropped > 0) {
          LOG.infof("audit log %s: retention dropped %d segment(s)", id(log), dropped);
        }
      } finally {
        l.files.writeLock().unlock();
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

  /**
   * Verifies the whole log on disk with everything appended so far written and durable: MACs with
   * K_0, signatures with the public key, against {@code head}.
   */
  AuditLogVerifier.Report verify(OpenLog l, byte[] k0, Optional<Checkpoint> head) {
    // Only the end is read under the appenders' lock; the log up to it is verified outside it,
    // so admissions and grants keep appending. Retention waits (see checkpoint) meanwhile.
    l.files.readLock().lock();
    try {
      dev.keychain.core.audit.LogEnd end;
      synchronized (this) {
        l.writer.sync();
        end = l.writer.end();
      }
      return AuditLogVerifier.verify(
          l.dir,
          new AuditLogVerifier.Keys(
              Optional.of(k0), Optional.of(java.util.HexFormat.of().parseHex(l.publicKey)), head),
          1,
          Optional.of(end),
          dev.keychain.core.audit.VerificationPace.share(verifyCpuShare));
    } finally {
      l.files.readLock().unlock();
    }
  }

  /** The checkpoints on disk, with everything appended so far written. */
  synchronized List<Checkpoint> checkpoints(OpenLog l) {
    l.writer.sync();
    return dev.keychain.core.audit.AuditLogReader.checkpoints(l.dir);
  }

  /**
   * The root of the log's first {@code size} records, read consistently with the appenders; null
   * when retention pruned some of them (verification then checks the prune's own record).
   */
  synchronized byte[] rootAt(OpenLog l, long size) {
    var tree = l.writer.tree();
    return size < tree.firstLeaf() || size > tree.size() ? null : tree.root(size);
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
   * the leader, which alone holds the logs open (see {@link AuditForwarder}), when some log there
   * selects it ({@link AuditSelection}).
   */
  @Override
  public void record(AuditEvent event) {
    if (forwarder.anotherReplicaLeads()) {
      if (selection.selects(event)) {
        forwarder.forward(event);
      }
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
    List<String> failed = new java.util.ArrayList<>();
    List<String> appendedTo = new java.util.ArrayList<>();
    List<AdmissionReceipt> receipts = new java.util.ArrayList<>();
    byte[] record = event.canonicalJson();
    boolean receipted = AdmissionReceipts.wanted(event);
    synchronized (this) {
      for (OpenLog l : open.values()) {
        if (!l.spec.getMetadata().getNamespace().equals(event.namespace())) {
          continue;
        }
        List<String> selected = l.spec.getSpec().getEvents();
        if (selected != null
            && !selected.isEmpty()
            && !selected.contains(event.type().wireName())) {
          continue;
        }
        try {
          long index = l.writer.append(record);
          dirty.add(id(l.spec));
          appendedTo.add(id(l.spec));
          if (receipted) {
            receipts.add(
                new AdmissionReceipt(
                    id(l.spec),
                    index,
                    AdmissionReceipt.decisionOf(record),
                    event.namespace() + "/" + event.name(),
                    event.attributes().get("uid")));
          }
          if (l.writer.recordsSinceCheckpoint() >= l.spec.getSpec().getCheckpointEveryRecords()) {
            // Made durable with this record by the group commit below.
            l.writer.appendCheckpoint(System.currentTimeMillis());
            l.lastCheckpoint = Instant.now();
          }
        } catch (RuntimeException e) {
          LOG.errorf(
              "cannot record %s in audit log %s: %s", event.type(), id(l.spec), e.getMessage());
          failed.add(id(l.spec) + " (" + e.getMessage() + ")");
          lost(l.spec);
        }
      }
      ticket = appendedTo.isEmpty() ? 0 : commit.ticket();
    }
    if (ticket > 0) {
      try {
        commit.awaitDurable(ticket);
      } catch (RuntimeException e) {
        LOG.errorf("cannot sync audit logs after %s: %s", event.type(), e.getMessage());
        synchronized (this) {
          // a log whose write failed stops itself: those are the logs that lost this record; if
          // none did (an unknown failure), every log it went to is counted
          List<String> stopped =
              appendedTo.stream()
                  .filter(id -> open.get(id) == null || open.get(id).writer.failed())
                  .toList();
          boolean causedElsewhere =
              stopped.isEmpty() && open.values().stream().anyMatch(l -> l.writer.failed());
          if (!causedElsewhere) {
            // (another log's failure: this record's logs were forced all the same)
            List<String> lostIn = stopped.isEmpty() ? appendedTo : stopped;
            failed.add(String.join(", ", lostIn) + " (" + e.getMessage() + ")");
            lostIn.forEach(id -> Optional.ofNullable(open.get(id)).ifPresent(l -> lost(l.spec)));
          }
        }
      }
    }
    if (failed.isEmpty() && !receipts.isEmpty()) {
      admissionReceipts.attach(event, receipts);
    }
    if (!failed.isEmpty() && failClosed) {
      throw new AuditUnwritableException(
          "audit log "
              + String.join("; ", failed)
              + " cannot be written, and the operator fails closed"
              + " (keychain.audit.when-unwritable=deny)");
    }
  }

  /** Counts a record {@code log} selects but could not keep. */
  private void lost(AuditLog log) {
    metrics
        .auditRecordsLost
        .labelValues(log.getMetadata().getNamespace(), log.getMetadata().getName())
        .inc();
  }

  /** Under this lock: writes what the logs appended since the last sync; returns their forces. */
  private List<Runnable> flushDirty() {
    List<Runnable> forces = new java.util.ArrayList<>();
    for (String id : dirty) {
      OpenLog l = open.get(id);
      if (l != null) {
        try {
          forces.add(l.writer.flush());
        } catch (RuntimeException e) {
          // one log's failure must not keep the others from being flushed and forced
          forces.add(
              () -> {
                throw e;
              });
        }
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
