package dev.keychain.operator.audit;

import static dev.keychain.operator.testing.Fixtures.createTenantShare;
import static dev.keychain.operator.testing.Fixtures.keyChain;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.audit.AuditLogReader;
import dev.keychain.core.audit.AuditLogVerifier;
import dev.keychain.core.audit.AuditLogWriter;
import dev.keychain.core.audit.Checkpoint;
import dev.keychain.core.audit.EvolvingKey;
import dev.keychain.core.audit.HeadNote;
import dev.keychain.core.crypto.Encoder;
import dev.keychain.core.envelope.KeyProvider;
import dev.keychain.core.envelope.SealedKey;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import dev.keychain.operator.api.v1alpha1.AuditLogSpec;
import dev.keychain.operator.chain.KeyProviders;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;

/**
 * The rows of the audit threat table (docs/security.md) on the real API server: who can do what to
 * a log, and what the operator detects, stores and keeps reporting.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalControlPlaneResource.class, restrictToAnnotatedClass = false)
class AuditTrustIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Inject KubernetesClient client;
  @Inject AuditTrust trust;
  @Inject AuditLogs logs;
  @Inject KeyProviders providers;

  private AuditLog create(String ns, String name, String verifyInterval) {
    AuditLog log = new AuditLog();
    log.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    AuditLogSpec spec = new AuditLogSpec();
    spec.setCheckpointEveryRecords(2);
    spec.setCheckpointInterval("1s");
    spec.setVerifyInterval(verifyInterval);
    log.setSpec(spec);
    client.resource(log).create();
    return log;
  }

  private AuditLog get(String ns, String name) {
    return client.resources(AuditLog.class).inNamespace(ns).withName(name).get();
  }

  private Optional<Condition> condition(String ns, String name, String type) {
    AuditLog log = get(ns, name);
    return log == null || log.getStatus() == null
        ? Optional.empty()
        : log.getStatus().getConditions().stream()
            .filter(c -> type.equals(c.getType()))
            .findFirst();
  }

  private boolean is(String ns, String name, String type, String value) {
    return condition(ns, name, type).map(c -> value.equals(c.getStatus())).orElse(false);
  }

  /** A namespace with a log holding a few checkpointed records, verified once. */
  private String verifiedLog(String prefix, String verifyInterval) {
    String ns = LocalControlPlaneResource.newNamespace(prefix);
    create(ns, "security", verifyInterval);
    awaitCondition(ns, "security", "Ready", "True");
    createTenantShare(client, ns, "share");
    client.resource(keyChain(ns, "tenant", "share", "A", "B")).create();
    try {
      await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  get(ns, "security").getStatus().getLastCheckpointSize() != null
                      && get(ns, "security").getStatus().getLastCheckpointSize() >= 1
                      && is(ns, "security", "Verified", "True"));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "log not verified: "
              + io.fabric8.kubernetes.client.utils.Serialization.asJson(
                  get(ns, "security").getStatus()),
          e);
    }
    return ns;
  }

  @Test
  void aTenantWhoReadsItsNamespacesSecretsFindsNoAuditKey() {
    String ns = verifiedLog("trust-secrets", "2s");
    AuditLog log = get(ns, "security");
    assertTrue(
        client.secrets().inNamespace(ns).list().getItems().stream()
            .noneMatch(
                s ->
                    s.getType().startsWith("keychain.dev/audit")
                        || s.getMetadata().getName().contains("audit")),
        "an audit key Secret in the tenant's namespace");
    var stored =
        client
            .secrets()
            .inNamespace(LocalControlPlaneResource.OPERATOR_NAMESPACE)
            .withName(AuditTrust.secretName(log))
            .get();
    assertEquals(AuditTrust.TYPE, stored.getType());
    assertTrue(stored.getData().keySet().containsAll(List.of("k0", "current", "signing", "head")));
    // The head note verifies with the key status publishes, by the note format alone.
    Checkpoint noted =
        HeadNote.open(log.getStatus().getHeadNote(), log.getStatus().getNoteVerifierKey());
    assertEquals(log.getStatus().getLastCheckpoint(), noted.toText());
  }

  @Test
  void aHistoryRewrittenWithTheLogsOwnKeysStaysDetectedUntilAnAdministratorAcceptsItsHead()
      throws Exception {
    String ns = verifiedLog("trust-rewrite", "2s");
    AuditLog log = get(ns, "security");
    String operatorNs = LocalControlPlaneResource.OPERATOR_NAMESPACE;
    create(operatorNs, "operator-" + ns, "1h"); // the operator's own account of findings
    await().atMost(TIMEOUT).until(() -> is(operatorNs, "operator-" + ns, "Ready", "True"));
    Checkpoint trusted = trust.trustedHead(log).orElseThrow();

    // Someone with the log's keys (an administrator of the operator's namespace, or a key that
    // leaked before this release moved them there) rewrites the history: same records but one,
    // every checkpoint re-MACed with K_0's evolution and re-signed, then the operator restarts.
    quiesce(ns);
    logs.close(log);
    rewrite(logs.directory(log), trust.initial(log), trust.signing(log));
    restart(ns);
    awaitCondition(ns, "security", "Verified", "False");
    Condition found = condition(ns, "security", "Verified").orElseThrow();
    assertEquals("TamperDetected", found.getReason());
    assertTrue(found.getMessage().contains("history rewritten"), found.getMessage());

    // It does not heal: verifications pass the MACs, but the finding and the head stay.
    Thread.sleep(6_000);
    assertTrue(is(ns, "security", "Verified", "False"));
    assertEquals(trusted.toText(), trust.trustedHead(log).orElseThrow().toText());
    quiesce(ns);
    logs.close(log);
    restart(ns);
    Thread.sleep(4_000);
    assertTrue(is(ns, "security", "Verified", "False"), "healed after a restart");
    assertEquals(trusted.toText(), get(ns, "security").getStatus().getLastCheckpoint());

    // The tenant cannot acknowledge: the exact head, set on the AuditLog, is ignored.
    String message = condition(ns, "security", "Verified").orElseThrow().getMessage();
    String prefix = AuditTrust.ACCEPT_HEAD + "=";
    String head =
        message.substring(message.indexOf(prefix) + prefix.length(), message.length() - 1);
    assertTrue(message.contains("annotate secret " + AuditTrust.secretName(log)), message);
    annotateAuditLog(ns, head);
    restart(ns);
    await().atMost(TIMEOUT).until(() -> eventReasons(ns).contains("AcknowledgementRefused"));
    Thread.sleep(3_000);
    assertTrue(is(ns, "security", "Verified", "False"), "a tenant's annotation cleared a finding");

    // A wrong head on the trust Secret is refused and removed; the exact head is accepted.
    long refusals = eventCount(ns, "AcknowledgementRefused");
    annotate(ns, "cp1.1." + "00".repeat(32) + ".0.0." + "00".repeat(32));
    await().atMost(TIMEOUT).until(() -> eventCount(ns, "AcknowledgementRefused") > refusals);
    await().atMost(TIMEOUT).until(() -> trust.acceptRequest(log).isEmpty());
    assertTrue(is(ns, "security", "Verified", "False"));
    annotate(ns, head);
    awaitCondition(ns, "security", "Verified", "True");
    assertTrue(eventReasons(ns).contains("TamperAcknowledged"));
    assertTrue(trust.acceptRequest(log).isEmpty(), "the acknowledgement was not consumed");
    assertNotEquals(trusted.toText(), trust.trustedHead(log).orElseThrow().toText());
    assertTrue(trust.finding(log).isEmpty());
    List<String> own = records(get(operatorNs, "operator-" + ns));
    assertTrue(
        own.stream().anyMatch(r -> r.contains("\"reason\":\"TamperDetected\"") && r.contains(ns)),
        "no TamperDetected record in the operator's own log: " + own);
    assertTrue(
        own.stream().anyMatch(r -> r.contains("\"reason\":\"TamperAcknowledged\"")),
        "no TamperAcknowledged record in the operator's own log: " + own);
  }

  @Test
  void aStatusHeadPatchedOrRolledBackIsRewrittenFromTheTrustStore() {
    String ns = verifiedLog("trust-status", "2s");
    AuditLog log = get(ns, "security");
    String trusted = trust.trustedHead(log).orElseThrow().toText();
    String forged = "cp1.1." + "ab".repeat(32) + ".0.1." + "cd".repeat(32);
    client
        .resources(AuditLog.class)
        .inNamespace(ns)
        .withName("security")
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\":{\"lastCheckpoint\":\"" + forged + "\"}}");
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                !forged.equals(get(ns, "security").getStatus().getLastCheckpoint())
                    && Checkpoint.parse(get(ns, "security").getStatus().getLastCheckpoint())
                            .treeSize()
                        >= Checkpoint.parse(trusted).treeSize());
    assertTrue(is(ns, "security", "Verified", "True"), "a patched status is not a finding");
    assertTrue(trust.finding(log).isEmpty());
  }

  @Test
  void aVolumeRestoredFromAnOlderBackupIsCaughtAgainstTheStoredHead() throws Exception {
    String ns = verifiedLog("trust-backup", "2s");
    AuditLog log = get(ns, "security");
    Path dir = logs.directory(log);
    Path backup = Files.createTempDirectory("audit-backup-");
    copy(dir, backup);
    // More history, then the volume goes back to the backup.
    client.resource(keyChain(ns, "second", "share", "A")).create();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                trust.trustedHead(log).orElseThrow().treeSize()
                    > AuditLogReader.checkpoints(backup)
                        .get(AuditLogReader.checkpoints(backup).size() - 1)
                        .treeSize());
    quiesce(ns);
    logs.close(log);
    clear(dir);
    copy(backup, dir);
    restart(ns);
    awaitCondition(ns, "security", "Verified", "False");
    String message = condition(ns, "security", "Verified").orElseThrow().getMessage();
    assertTrue(
        message.contains("truncated") || message.contains("behind the trusted head"), message);
  }

  @Test
  void aVolumeAndTrustStoreRolledBackTogetherFailAgainstAWitnessesLaterHead() throws Exception {
    String ns = verifiedLog("trust-rollback", "2s");
    AuditLog log = get(ns, "security");
    Path dir = logs.directory(log);
    String operatorNs = LocalControlPlaneResource.OPERATOR_NAMESPACE;
    // The backup: the volume and, as an etcd snapshot holds it, the trust Secret.
    quiesce(ns);
    logs.close(log);
    Path backup = Files.createTempDirectory("audit-backup-");
    copy(dir, backup);
    Map<String, String> stored =
        client
            .secrets()
            .inNamespace(operatorNs)
            .withName(AuditTrust.secretName(log))
            .get()
            .getData();
    long backedUp = trust.trustedHead(log).orElseThrow().treeSize();
    restart(ns);
    client.resource(keyChain(ns, "second", "share", "A")).create();
    await().atMost(TIMEOUT).until(() -> trust.trustedHead(log).orElseThrow().treeSize() > backedUp);
    // A witness keeps the signed note of a later head (status shows it; anyone may copy it).
    AuditLog later = get(ns, "security");
    Checkpoint witnessed =
        HeadNote.open(later.getStatus().getHeadNote(), later.getStatus().getNoteVerifierKey());
    assertTrue(witnessed.treeSize() > backedUp);

    // Both restored: the operator's own store agrees with the volume again.
    quiesce(ns);
    logs.close(log);
    clear(dir);
    copy(backup, dir);
    client
        .secrets()
        .inNamespace(operatorNs)
        .withName(AuditTrust.secretName(log))
        .edit(
            secret -> {
              secret.setData(stored);
              return secret;
            });
    assertEquals(backedUp, trust.trustedHead(log).orElseThrow().treeSize());
    byte[] k0 = trust.initial(log);
    for (AuditLogVerifier.Report report : everyMode(dir, k0, trust.publicKey(log), witnessed)) {
      String problem = report.problem().orElseThrow(() -> new AssertionError("rollback passed"));
      assertTrue(problem.contains("truncated"), problem);
    }
    java.util.Arrays.fill(k0, (byte) 0);
  }

  @Test
  void aRetentionPruneVerifiesInEveryOfflineModeAndAPruneForgedByHandInNone() throws Exception {
    String ns = LocalControlPlaneResource.newNamespace("trust-retention");
    AuditLog log = sameName(ns);
    log.getSpec().setCheckpointEveryRecords(100_000); // checkpoints (and prunes) on the timer
    log.getSpec().setCheckpointInterval("1s");
    log.getSpec().setVerifyInterval("2s");
    log.getSpec().setRetainSegments(2);
    client.resource(log).create();
    awaitCondition(ns, "security", "Ready", "True");
    Path dir = logs.directory(log);
    for (int i = 0; i < 400; i++) { // ~5 segments of 16 KiB (test profile)
      logs.record(
          new dev.keychain.core.audit.AuditEvent(
              dev.keychain.core.audit.AuditEventType.STATE_CHANGED,
              java.time.Instant.now(),
              ns,
              "SecureInstance",
              "web-" + i,
              "Retention",
              "record " + i + " of a log that retention prunes",
              Map.of()));
    }
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                Files.exists(dir.resolve("pruned.bin"))
                    && trust.trustedHead(log).map(h -> h.treeSize() >= 400).orElse(false));
    java.time.Instant pruned = java.time.Instant.now();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                is(ns, "security", "Verified", "True")
                    && get(ns, "security").getStatus().getLastVerificationTime() != null
                    && java.time.Instant.parse(
                            get(ns, "security").getStatus().getLastVerificationTime())
                        .isAfter(pruned));
    quiesce(ns);
    logs.close(log);
    AuditLog current = get(ns, "security");
    Checkpoint noted =
        HeadNote.open(current.getStatus().getHeadNote(), current.getStatus().getNoteVerifierKey());
    byte[] k0 = trust.initial(log);
    byte[] publicKey = trust.publicKey(log);
    for (AuditLogVerifier.Report report : everyMode(dir, k0, publicKey, noted)) {
      assertTrue(report.ok(), "a legitimate prune failed: " + report.problem().orElse(""));
    }

    // The forgery: one more segment deleted and the marker retention would have written for it
    // (made here by a writer on a copy; the copy's LogPruned record is not in the log).
    Path scratch = Files.createTempDirectory("audit-forge-");
    copy(dir, scratch);
    try (AuditLogWriter w = AuditLogWriter.open(scratch, trust.current(log), (i, k) -> {}, 16384)) {
      assertTrue(w.prune(1) > 0, "nothing to prune");
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        if (!Files.exists(scratch.resolve(f.getFileName()))) {
          Files.delete(f);
        }
      }
    }
    Files.copy(
        scratch.resolve("pruned.bin"),
        dir.resolve("pruned.bin"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    for (AuditLogVerifier.Report report : everyMode(dir, k0, publicKey, noted)) {
      String problem = report.problem().orElseThrow(() -> new AssertionError("forgery passed"));
      assertTrue(problem.contains("no checkpointed LogPruned record"), problem);
    }
    java.util.Arrays.fill(k0, (byte) 0);
    restart(ns);
    awaitCondition(ns, "security", "Verified", "False");
    String message = condition(ns, "security", "Verified").orElseThrow().getMessage();
    assertTrue(message.contains("LogPruned"), message);
  }

  @Test
  void logDirectoriesAreDerivedAndNeitherSpecPathNorASymlinkLeadsElsewhere() throws Exception {
    String a = LocalControlPlaneResource.newNamespace("trust-path-a");
    String b = LocalControlPlaneResource.newNamespace("trust-path-b");
    AuditLog withPath = new AuditLog();
    withPath.setMetadata(new ObjectMetaBuilder().withName("evil").withNamespace(a).build());
    AuditLogSpec spec = new AuditLogSpec();
    spec.setPath(logs.directory(sameName(b)).toString()); // another namespace's log
    withPath.setSpec(spec);
    KubernetesClientException refused =
        assertThrows(KubernetesClientException.class, () -> client.resource(withPath).create());
    assertEquals(422, refused.getCode());
    assertTrue(refused.getMessage().contains("spec.path is no longer supported"));
    // One stored before the CRD refused the field: the operator names where its files belong.
    dev.keychain.operator.chain.ChainProblem old =
        assertThrows(
            dev.keychain.operator.chain.ChainProblem.class, () -> logs.directory(withPath));
    assertEquals("PathNotSupported", old.reason());
    assertTrue(
        old.getMessage().contains("lives at " + logs.directory(sameName(a)).resolveSibling("evil")),
        old.getMessage());

    // Same name in two namespaces: two directories.
    create(a, "security", "2s");
    create(b, "security", "2s");
    awaitCondition(a, "security", "Ready", "True");
    awaitCondition(b, "security", "Ready", "True");
    assertNotEquals(logs.directory(get(a, "security")), logs.directory(get(b, "security")));

    // A symbolic link planted where a log's directory belongs is refused, not followed.
    String c = LocalControlPlaneResource.newNamespace("trust-path-c");
    Path planted = logs.directory(sameName(c));
    Files.createDirectories(planted.getParent());
    Files.createSymbolicLink(planted, logs.directory(get(b, "security")));
    create(c, "security", "2s");
    awaitCondition(c, "security", "Ready", "False");
    Condition ready = condition(c, "security", "Ready").orElseThrow();
    assertEquals("PathOutsideDataDir", ready.getReason());
  }

  @Test
  void keysThatAnOlderReleaseKeptInTheTenantNamespaceMoveToTheOperatorsAndTheLogGoesOn()
      throws Exception {
    String ns = LocalControlPlaneResource.newNamespace("trust-upgrade");
    AuditLog log = sameName(ns);
    log.setSpec(new AuditLogSpec());
    // What the previous release left: a log written with K_0, and its keys sealed by the
    // tenant's KEK in <log>-audit-keys of the tenant's namespace.
    byte[] k0 = new byte[32];
    new SecureRandom().nextBytes(k0);
    Path dir = logs.directory(log);
    List<long[]> stored = new ArrayList<>();
    byte[][] current = {k0.clone()};
    try (AuditLogWriter w =
        AuditLogWriter.open(
            dir,
            EvolvingKey.fromInitial(k0.clone(), 0),
            (index, key) -> {
              stored.add(new long[] {index});
              current[0] = key.clone();
            },
            1 << 20)) {
      for (int i = 0; i < 5; i++) {
        w.append(("{\"old\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        w.checkpoint(i);
      }
    }
    long index = stored.get(stored.size() - 1)[0];
    KeyProvider kek = providers.forSecret(ns, "keychain-kek");
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("security-audit-keys")
                .withNamespace(ns)
                .endMetadata()
                .withType("keychain.dev/audit-keys")
                .withData(
                    Map.of(
                        "k0", b64(legacySeal(kek, ns, "k0", 0, k0)),
                        "current", b64(legacySeal(kek, ns, "current", index, current[0])),
                        "index", b64(Long.toString(index))))
                .build())
        .create();
    create(ns, "security", "2s");
    awaitCondition(ns, "security", "Verified", "True");
    assertTrue(
        client.secrets().inNamespace(ns).withName("security-audit-keys").get() == null,
        "the tenant's copy of the keys was not deleted");
    byte[] moved = trust.initial(get(ns, "security"));
    assertTrue(java.util.Arrays.equals(k0, moved), "K_0 did not survive the move");
    AuditLogVerifier.Report report =
        AuditLogVerifier.verify(dir, moved, trust.trustedHead(get(ns, "security")));
    assertTrue(report.ok(), report.problem().orElse(""));
    assertTrue(report.records() >= 5);
    assertFalse(
        get(ns, "security")
            .getStatus()
            .toString()
            .contains(java.util.HexFormat.of().formatHex(k0)));
  }

  // --- helpers ---

  /** The offline checks an auditor can run with a head: K_0, the public key, and both. */
  private static List<AuditLogVerifier.Report> everyMode(
      Path dir, byte[] k0, byte[] publicKey, Checkpoint head) {
    return Stream.of(
            new AuditLogVerifier.Keys(Optional.of(k0), Optional.empty(), Optional.of(head)),
            new AuditLogVerifier.Keys(Optional.empty(), Optional.of(publicKey), Optional.of(head)),
            new AuditLogVerifier.Keys(Optional.of(k0), Optional.of(publicKey), Optional.of(head)))
        .map(keys -> AuditLogVerifier.verify(dir, keys, 1))
        .toList();
  }

  /** Waits for a condition of AuditLog {@code name}; a timeout reports the status it reached. */
  private void awaitCondition(String ns, String name, String type, String value) {
    try {
      await().atMost(TIMEOUT).until(() -> is(ns, name, type, value));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          type
              + " never became "
              + value
              + ": "
              + io.fabric8.kubernetes.client.utils.Serialization.asJson(get(ns, name).getStatus()),
          e);
    }
  }

  private static AuditLog sameName(String ns) {
    AuditLog log = new AuditLog();
    log.setMetadata(new ObjectMetaBuilder().withName("security").withNamespace(ns).build());
    log.setSpec(new AuditLogSpec());
    return log;
  }

  /** Spaces the log's reconciles out, so that nothing reopens it while the test works on disk. */
  private void quiesce(String ns) throws InterruptedException {
    intervals(ns, "1h", "1h");
    Thread.sleep(3_000); // a reconcile already scheduled (1 s) runs and reschedules in an hour
  }

  /**
   * Short intervals again: a new generation, which the operator reconciles at once, reopening a
   * closed log as a restarted operator would.
   */
  private void restart(String ns) {
    intervals(ns, "1s", "2s");
  }

  private void intervals(String ns, String checkpoint, String verify) {
    client
        .resources(AuditLog.class)
        .inNamespace(ns)
        .withName("security")
        .edit(
            l -> {
              l.getSpec().setCheckpointInterval(checkpoint);
              l.getSpec().setVerifyInterval(verify);
              l.getSpec().setCheckpointEveryRecords(l.getSpec().getCheckpointEveryRecords() + 1);
              return l;
            });
  }

  /** The administrator's acknowledgement: the annotation on the log's trust Secret. */
  private void annotate(String ns, String head) {
    client
        .secrets()
        .inNamespace(LocalControlPlaneResource.OPERATOR_NAMESPACE)
        .withName(AuditTrust.secretName(get(ns, "security")))
        .edit(
            s -> {
              s.getMetadata().getAnnotations().put(AuditTrust.ACCEPT_HEAD, head);
              return s;
            });
  }

  /** What a tenant can do: annotate its own AuditLog. */
  private void annotateAuditLog(String ns, String head) {
    client
        .resources(AuditLog.class)
        .inNamespace(ns)
        .withName("security")
        .edit(
            l -> {
              Map<String, String> annotations =
                  new java.util.HashMap<>(
                      l.getMetadata().getAnnotations() == null
                          ? Map.of()
                          : l.getMetadata().getAnnotations());
              annotations.put(AuditTrust.ACCEPT_HEAD, head);
              l.getMetadata().setAnnotations(annotations);
              return l;
            });
  }

  private long eventCount(String ns, String reason) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(
            e -> "security".equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
        .mapToLong(e -> e.getCount() == null ? 1 : e.getCount())
        .sum();
  }

  private List<String> eventReasons(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "security".equals(e.getInvolvedObject().getName()))
        .map(e -> e.getReason())
        .toList();
  }

  private List<String> records(AuditLog log) {
    Path dir = logs.directory(log);
    logs.get(log).ifPresent(l -> logs.head(l)); // flushes what was appended
    long n = AuditLogReader.recordCount(dir);
    return AuditLogReader.readRecords(dir, 0, n).stream()
        .map(r -> new String(r, StandardCharsets.UTF_8))
        .toList();
  }

  /**
   * The attacker's rewrite: the same records but the first, checkpoints at the same sizes (so the
   * key index the operator stored still fits), MACed from K_0 on and signed.
   */
  private static void rewrite(Path dir, byte[] k0, Ed25519PrivateKeyParameters signing)
      throws Exception {
    List<Checkpoint> checkpoints = AuditLogReader.checkpoints(dir);
    long n = checkpoints.get(checkpoints.size() - 1).treeSize();
    List<byte[]> records = new ArrayList<>(AuditLogReader.readRecords(dir, 0, n));
    records.set(
        0,
        new String(records.get(0), StandardCharsets.UTF_8)
            .replace("ChainCreated", "ChainForged!")
            .getBytes(StandardCharsets.UTF_8));
    clear(dir);
    try (AuditLogWriter w =
        AuditLogWriter.open(dir, EvolvingKey.fromInitial(k0, 0), (i, k) -> {}, 64L << 20)
            .signCheckpointsWith(signing)) {
      int next = 0;
      for (Checkpoint c : checkpoints) {
        for (; next < c.treeSize(); next++) {
          w.append(records.get(next));
        }
        w.checkpoint(c.timestamp());
      }
    }
  }

  private static void clear(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
  }

  private static void copy(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
  }

  private static String legacySeal(
      KeyProvider kek, String ns, String role, long index, byte[] key) {
    String kekId = kek.primaryKekId();
    byte[] aad =
        Encoder.of("keychain.dev/v1/audit-key")
            .add(ns + "/security")
            .add(role)
            .add(index)
            .add(kekId)
            .toByteArray();
    KeyProvider.Wrapped w = kek.wrap(key, aad);
    return new SealedKey(w.kekId(), w.nonce(), w.ciphertext()).encode();
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
