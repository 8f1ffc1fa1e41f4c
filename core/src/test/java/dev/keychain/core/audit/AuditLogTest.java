package dev.keychain.core.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forward-secure log on real files, against every attack class of seed 003's Table 2. */
class AuditLogTest {
  @TempDir Path dir;
  private byte[] k0;
  private final List<byte[]> storedKeys = new ArrayList<>();
  private final List<Long> storedIndexes = new ArrayList<>();

  @BeforeEach
  void setUp() {
    k0 = new byte[32];
    new SecureRandom().nextBytes(k0);
  }

  private AuditLogWriter.KeyStore keyStore() {
    return (index, key) -> {
      storedIndexes.add(index);
      storedKeys.add(key.clone());
    };
  }

  private static byte[] record(int i) {
    return ("{\"event\":\"KeyIssued\",\"seq\":" + i + ",\"keyId\":\"" + "ab".repeat(8) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** 50 records with a checkpoint every 10; returns the last checkpoint. */
  private Checkpoint writeLog(long segmentBytes) {
    try (AuditLogWriter w =
        AuditLogWriter.open(dir, EvolvingKey.fromInitial(k0, 0), keyStore(), segmentBytes)) {
      Checkpoint last = null;
      for (int i = 0; i < 50; i++) {
        w.append(record(i));
        if ((i + 1) % 10 == 0) {
          last = w.checkpoint(1_000L + i);
        }
      }
      return last;
    }
  }

  private AuditLogVerifier.Report verify(Optional<Checkpoint> head) {
    return AuditLogVerifier.verify(dir, k0, head);
  }

  private List<LogFrames.Frame> frames() throws IOException {
    return new ArrayList<>(LogFrames.scan(dir).frames());
  }

  /** Rewrites the log as an attacker with write access would, with valid frame checksums. */
  private void rewrite(List<LogFrames.Frame> frames) throws IOException {
    for (Path p : LogFrames.segments(dir)) {
      Files.delete(p);
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (LogFrames.Frame f : frames) {
      out.writeBytes(LogFrames.encode(f.type(), f.payload()));
    }
    Files.write(LogFrames.segment(dir, 0), out.toByteArray());
  }

  private static LogFrames.Frame recordFrame(byte[] payload) {
    return new LogFrames.Frame(LogFrames.RECORD, payload, 0, 0);
  }

  @Test
  void intactLogVerifiesAcrossSegments() {
    Checkpoint head = writeLog(700);
    assertTrue(LogFrames.segmentsCount(dir) > 3, "several segments");
    AuditLogVerifier.Report report = verify(Optional.of(head));
    assertTrue(report.ok(), report.problem().orElse(""));
    assertEquals(50, report.records());
    assertEquals(5, report.checkpoints());
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), storedIndexes);
  }

  @Test
  void recordsStraddlingTheScanWindowAndLargerThanItVerifyAndTheirDamageIsFound()
      throws IOException {
    // Segments are read through a bounded window (SegmentWindow): frames that cross its edge, and
    // one larger than it, must be read whole, and a flipped byte beyond the first window found.
    Random random = new Random(7);
    List<byte[]> written = new ArrayList<>();
    Checkpoint head;
    try (AuditLogWriter w =
        AuditLogWriter.open(dir, EvolvingKey.fromInitial(k0, 0), keyStore(), 64L << 20)) {
      for (int i = 0; i < 40; i++) {
        int size = i == 20 ? SegmentWindow.CAPACITY * 3 + 17 : 1 + random.nextInt(200_000);
        byte[] r = new byte[size];
        random.nextBytes(r);
        written.add(r);
        w.append(r);
      }
      head = w.checkpoint(1_000L);
    }
    assertTrue(Files.size(LogFrames.segment(dir, 0)) > 4L * SegmentWindow.CAPACITY);
    List<LogFrames.Frame> frames = frames();
    for (int i = 0; i < written.size(); i++) {
      assertTrue(java.util.Arrays.equals(written.get(i), frames.get(i).payload()), "record " + i);
    }
    assertTrue(verify(Optional.of(head)).ok(), verify(Optional.of(head)).problem().orElse(""));

    Path segment = LogFrames.segment(dir, 0);
    byte[] data = Files.readAllBytes(segment);
    long offset = frames.get(30).offset();
    data[(int) offset + 100] ^= 0x40;
    Files.write(segment, data);
    String problem = verify(Optional.empty()).problem().orElseThrow();
    assertTrue(
        problem.contains("frame checksum mismatch at segment-000000.log offset " + offset),
        problem);
  }

  @Test
  void multiThreadedVerificationReachesTheSameVerdicts() throws IOException {
    Checkpoint head = writeLog(1 << 20);
    AuditLogVerifier.Report parallel = AuditLogVerifier.verify(dir, k0, Optional.of(head), 4);
    assertTrue(parallel.ok(), parallel.problem().orElse(""));
    assertEquals(50, parallel.records());
    List<LogFrames.Frame> frames = frames();
    byte[] changed = frames.get(41).payload().clone();
    changed[3] ^= 0x08;
    frames.set(41, recordFrame(changed));
    rewrite(frames);
    assertEquals(
        verify(Optional.empty()).problem(),
        AuditLogVerifier.verify(dir, k0, Optional.empty(), 4).problem());
  }

  @Test
  void recordsAreReadThroughTheIndexAndProvedAgainstACheckpoint() throws IOException {
    Checkpoint head = writeLog(700);
    List<byte[]> range = AuditLogReader.readRecords(dir, 13, 38);
    assertEquals(25, range.size());
    for (int i = 0; i < range.size(); i++) {
      assertEquals(
          new String(record(13 + i), StandardCharsets.UTF_8),
          new String(range.get(i), StandardCharsets.UTF_8));
    }
    MerkleTree tree = new MerkleTree();
    for (byte[] r : AuditLogReader.readRecords(dir, 0, 50)) {
      tree.appendLeafHash(MerkleHashes.leaf(r));
    }
    List<byte[]> leaves = range.stream().map(MerkleHashes::leaf).toList();
    assertTrue(MerkleProofs.verifyRange(leaves, 13, 50, tree.rangeProof(13, 38, 50), head.root()));

    // Indexes are derived data: lost ones are rebuilt when the writer opens the log.
    for (Path p : Files.list(dir).filter(p -> p.toString().endsWith(".idx")).toList()) {
      Files.delete(p);
    }
    AuditLogWriter.open(dir, EvolvingKey.adopt(storedKeys.get(4).clone(), 5), (i, k) -> {}, 700)
        .close();
    assertEquals(25, AuditLogReader.readRecords(dir, 13, 38).size());

    // An index pointing at the wrong place is caught, not believed.
    Path idx = dir.resolve("segment-000000.idx");
    byte[] bytes = Files.readAllBytes(idx);
    bytes[bytes.length - 1] ^= 0x01;
    Files.write(idx, bytes);
    int lastInFirst = (bytes.length / 8) - 2;
    AuditLogException e =
        assertThrows(
            AuditLogException.class,
            () -> AuditLogReader.readRecords(dir, lastInFirst, lastInFirst + 1));
    assertEquals(AuditLogException.Kind.CORRUPT, e.kind());
  }

  @Test
  void pacedVerificationReachesTheSameVerdict() throws IOException {
    Checkpoint head = writeLog(700);
    AuditLogVerifier.Keys keys =
        new AuditLogVerifier.Keys(Optional.of(k0), Optional.empty(), Optional.of(head));
    AuditLogVerifier.Report full = AuditLogVerifier.verify(dir, keys, 1);
    AuditLogVerifier.Report paced =
        AuditLogVerifier.verify(dir, keys, 1, Optional.empty(), VerificationPace.share(0.25));
    assertTrue(paced.ok(), paced.problem().orElse(""));
    assertEquals(full.records(), paced.records());
    assertEquals(full.checkpoints(), paced.checkpoints());
    for (double bad : new double[] {0, -1, 1.5, Double.NaN}) {
      assertThrows(IllegalArgumentException.class, () -> VerificationPace.share(bad));
    }
  }

  @Test
  void verifiesTheLogAsItWasWhileAppendsGoOn() throws Exception {
    Object appenders = new Object(); // what an operator holds while appending
    try (AuditLogWriter w =
        AuditLogWriter.open(dir, EvolvingKey.fromInitial(k0, 0), keyStore(), 4096)) {
      for (int i = 0; i < 100; i++) {
        w.append(record(i));
      }
      w.checkpoint(1);
      java.util.concurrent.atomic.AtomicBoolean stop =
          new java.util.concurrent.atomic.AtomicBoolean();
      Thread appender =
          new Thread(
              () -> {
                for (int i = 100; !stop.get(); i++) {
                  synchronized (appenders) {
                    w.append(record(i));
                    if (i % 7 == 0) {
                      w.checkpoint(i); // also rolls segments over (4 KiB each)
                    }
                  }
                }
              });
      appender.start();
      try {
        long previous = 0;
        for (int round = 0; round < 20; round++) {
          LogEnd end;
          long size;
          Optional<Checkpoint> head;
          synchronized (appenders) {
            w.sync();
            end = w.end();
            size = w.size();
            head = w.lastCheckpoint();
          }
          // Outside the appenders' lock: the appender writes on past the end meanwhile.
          AuditLogVerifier.Report report =
              AuditLogVerifier.verify(
                  dir,
                  new AuditLogVerifier.Keys(Optional.of(k0), Optional.empty(), head),
                  1,
                  Optional.of(end));
          assertTrue(report.ok(), report.problem().orElse(""));
          assertEquals(size, report.records());
          assertTrue(size >= previous);
          previous = size;
        }
      } finally {
        stop.set(true);
        appender.join();
      }
      assertTrue(LogFrames.segmentNumbers(dir).size() > 1, "segments rolled over meanwhile");
    }
  }

  @Test
  void signedCheckpointsVerifyOfflineWithThePublicKeyOnly() throws IOException {
    var signing =
        new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(new SecureRandom());
    byte[] publicKey = signing.generatePublicKey().getEncoded();
    Checkpoint head;
    try (AuditLogWriter w =
        AuditLogWriter.open(dir, EvolvingKey.fromInitial(k0, 0), keyStore(), 1 << 20)
            .signCheckpointsWith(signing)) {
      for (int i = 0; i < 30; i++) {
        w.append(record(i));
        if ((i + 1) % 10 == 0) {
          w.checkpoint(i);
        }
      }
      head = w.lastCheckpoint().orElseThrow();
    }
    AuditLogVerifier.Report offline =
        AuditLogVerifier.verifyOffline(dir, publicKey, Optional.of(head));
    assertTrue(offline.ok(), offline.problem().orElse(""));
    assertEquals(3, offline.checkpoints());
    assertTrue(verify(Optional.of(head)).ok(), "MAC verification skips the signature frames");

    byte[] otherKey =
        new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(new SecureRandom())
            .generatePublicKey()
            .getEncoded();
    assertTrue(
        AuditLogVerifier.verifyOffline(dir, otherKey, Optional.empty())
            .problem()
            .orElseThrow()
            .contains("checkpoint #0 signature does not verify"));
    List<LogFrames.Frame> frames = frames();
    frames.remove(23); // drop the signature of checkpoint #1, after a signed one
    rewrite(frames);
    assertTrue(
        AuditLogVerifier.verifyOffline(dir, publicKey, Optional.empty())
            .problem()
            .orElseThrow()
            .contains("checkpoint #1 is not signed"));
  }

  @Test
  void aSignatureCutBeforeTheFirstSignedCheckpointIsReportedAsNotChecked() throws IOException {
    var signing =
        new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(new SecureRandom());
    writeSignedLog(signing, 1 << 20);
    List<LogFrames.Frame> frames = frames();
    frames.remove(11); // the signature of checkpoint #0: the signed root of #1 still covers it
    rewrite(frames);
    AuditLogVerifier.Report report =
        AuditLogVerifier.verifyOffline(
            dir, signing.generatePublicKey().getEncoded(), Optional.empty());
    assertTrue(report.ok(), report.problem().orElse(""));
    assertTrue(
        report.notChecked().stream()
            .anyMatch(n -> n.startsWith("signatures of checkpoints #0..#0")),
        report.notChecked().toString());
  }

  @Test
  void aLogWrittenUnsignedIsSignedFromTheNextOpenOnAndVerifiesWithThePublicKey()
      throws IOException {
    writeLog(1 << 20); // unsigned, as an older release wrote it
    var signing =
        new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(new SecureRandom());
    byte[] publicKey = signing.generatePublicKey().getEncoded();
    assertTrue(
        AuditLogVerifier.verifyOffline(dir, publicKey, Optional.empty())
            .problem()
            .orElseThrow()
            .contains("is not signed"),
        "an unsigned log passed the public-key check");
    long lastIndex = storedIndexes.get(storedIndexes.size() - 1);
    Checkpoint head;
    try (AuditLogWriter w =
        AuditLogWriter.open(
            dir,
            EvolvingKey.adopt(storedKeys.get(storedKeys.size() - 1).clone(), lastIndex),
            keyStore(),
            1 << 20)) {
      long before = w.size();
      assertTrue(w.startSigning(signing, 2_000), "no SigningStarted record for an unsigned log");
      assertEquals(before + 1, w.size());
      w.append(record(99));
      w.checkpoint(2_001);
      head = w.lastCheckpoint().orElseThrow();
    }
    AuditLogVerifier.Report offline =
        AuditLogVerifier.verifyOffline(dir, publicKey, Optional.of(head));
    assertTrue(offline.ok(), offline.problem().orElse(""));
    assertTrue(
        offline.notChecked().stream().anyMatch(n -> n.startsWith("signatures of checkpoints #0..")),
        offline.notChecked().toString());
    assertTrue(verify(Optional.of(head)).ok(), "the K_0 check disagrees");
    try (AuditLogWriter w =
        AuditLogWriter.open(
            dir,
            EvolvingKey.adopt(
                storedKeys.get(storedKeys.size() - 1).clone(),
                storedIndexes.get(storedIndexes.size() - 1)),
            keyStore(),
            1 << 20)) {
      assertFalse(
          w.startSigning(signing, 2_002), "a signed log got a second SigningStarted record");
    }
  }

  @Test
  void retentionDropsOldSegmentsAndTheRestStillVerifies() throws IOException {
    writeLog(700);
    int before = LogFrames.segmentsCount(dir);
    long lastIndex = storedIndexes.get(storedIndexes.size() - 1);
    byte[] current = storedKeys.get(storedKeys.size() - 1).clone();
    Checkpoint head;
    try (AuditLogWriter w =
        AuditLogWriter.open(dir, EvolvingKey.adopt(current, lastIndex), keyStore(), 700)) {
      assertEquals(before - 3, w.prune(3));
      for (int i = 50; i < 60; i++) {
        w.append(record(i));
      }
      head = w.checkpoint(5_000);
    }
    assertTrue(Files.exists(dir.resolve("pruned.bin")));
    AuditLogVerifier.Report report = verify(Optional.of(head));
    assertTrue(report.ok(), report.problem().orElse(""));
    // The 60 records, the LogPruned record and its checkpoint (what authorises the prune).
    assertEquals(61, report.records());
    assertEquals(7, report.checkpoints());
    // Reopening after retention continues from the frontier.
    long index = storedIndexes.get(storedIndexes.size() - 1);
    try (AuditLogWriter w =
        AuditLogWriter.open(
            dir,
            EvolvingKey.adopt(storedKeys.get(storedKeys.size() - 1).clone(), index),
            keyStore(),
            700)) {
      assertEquals(61, w.size());
      w.append(record(60));
      w.checkpoint(6_000);
    }
    assertTrue(verify(Optional.of(head)).ok());
    assertThrows(AuditLogException.class, () -> AuditLogReader.readRecords(dir, 0, 1));

    // A forged frontier changes every later root: the first kept checkpoint no longer matches.
    byte[] marker = Files.readAllBytes(dir.resolve("pruned.bin"));
    marker[marker.length - 1] ^= 0x01;
    Files.write(dir.resolve("pruned.bin"), marker);
    String problem = verify(Optional.empty()).problem().orElseThrow();
    assertTrue(problem.contains("root does not match"), problem);
  }

  @Test
  void aPruneMarkerWrittenByHandOverDeletedRecordsFailsWithK0AndWithThePublicKey()
      throws IOException {
    var signing =
        new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(new SecureRandom());
    byte[] publicKey = signing.generatePublicKey().getEncoded();
    Checkpoint head = writeSignedLog(signing, 700);
    // The attacker deletes the oldest segments and writes the marker retention would have written:
    // he knows the deleted records, so the frontier and every later root are right.
    List<Integer> segments = LogFrames.segmentNumbers(dir);
    int firstKept = segments.get(3);
    MerkleTree full = new MerkleTree();
    long records = 0;
    long checkpoints = 0;
    for (LogFrames.Frame f : frames()) {
      if (f.type() == LogFrames.RECORD) {
        full.appendLeafHash(MerkleHashes.leaf(f.payload()));
        if (f.segment() < firstKept) {
          records++;
        }
      } else if (f.type() == LogFrames.CHECKPOINT && f.segment() < firstKept) {
        checkpoints++;
      }
    }
    new PruneMarker(records, checkpoints, full.frontier(records)).write(dir);
    for (int i = 0; i < 3; i++) {
      Files.delete(LogFrames.segment(dir, segments.get(i)));
    }
    for (AuditLogVerifier.Report report :
        List.of(
            verify(Optional.of(head)),
            AuditLogVerifier.verifyOffline(dir, publicKey, Optional.of(head)),
            AuditLogVerifier.verify(
                dir,
                new AuditLogVerifier.Keys(
                    Optional.of(k0), Optional.of(publicKey), Optional.of(head)),
                1))) {
      String problem = report.problem().orElseThrow();
      assertTrue(problem.contains("no checkpointed LogPruned record"), problem);
    }
  }

  @Test
  void aLegitimatePruneVerifiesWithK0AndWithThePublicKey() {
    var signing =
        new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(new SecureRandom());
    byte[] publicKey = signing.generatePublicKey().getEncoded();
    writeSignedLog(signing, 700);
    long lastIndex = storedIndexes.get(storedIndexes.size() - 1);
    Checkpoint head;
    try (AuditLogWriter w =
        AuditLogWriter.open(
                dir,
                EvolvingKey.adopt(storedKeys.get(storedKeys.size() - 1).clone(), lastIndex),
                keyStore(),
                700)
            .signCheckpointsWith(signing)) {
      assertTrue(w.prune(2) > 0);
      head = w.lastCheckpoint().orElseThrow();
    }
    AuditLogVerifier.Report withK0 = verify(Optional.of(head));
    assertTrue(withK0.ok(), withK0.problem().orElse(""));
    AuditLogVerifier.Report offline =
        AuditLogVerifier.verifyOffline(dir, publicKey, Optional.of(head));
    assertTrue(offline.ok(), offline.problem().orElse(""));
    AuditLogVerifier.Report both =
        AuditLogVerifier.verify(
            dir,
            new AuditLogVerifier.Keys(Optional.of(k0), Optional.of(publicKey), Optional.of(head)),
            1);
    assertTrue(both.ok(), both.problem().orElse(""));
    assertTrue(both.notChecked().isEmpty(), both.notChecked().toString());
  }

  @Test
  void k0VerificationSaysSignaturesWereNotCheckedAndChecksThemWithThePublicKey()
      throws IOException {
    var signing =
        new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(new SecureRandom());
    byte[] publicKey = signing.generatePublicKey().getEncoded();
    Checkpoint head = writeSignedLog(signing, 1 << 20);
    List<LogFrames.Frame> frames = frames();
    LogFrames.Frame lastSignature = frames.remove(frames.size() - 1); // the last signature
    assertEquals(LogFrames.CHECKPOINT_SIGNATURE, lastSignature.type());
    rewrite(frames);
    AuditLogVerifier.Report k0Only = verify(Optional.of(head));
    assertTrue(k0Only.ok(), "MACs and the head still verify");
    assertTrue(
        k0Only.notChecked().contains("checkpoint signatures (no public key)"),
        k0Only.notChecked().toString());
    AuditLogVerifier.Keys both =
        new AuditLogVerifier.Keys(Optional.of(k0), Optional.of(publicKey), Optional.of(head));
    String cut = AuditLogVerifier.verify(dir, both, 1).problem().orElseThrow();
    assertTrue(cut.contains("is not signed"), cut);

    byte[] flipped = lastSignature.payload().clone();
    flipped[0] ^= 0x01;
    frames.add(
        new LogFrames.Frame(LogFrames.CHECKPOINT_SIGNATURE, flipped, lastSignature.segment(), 0));
    rewrite(frames);
    assertTrue(verify(Optional.of(head)).ok(), "K_0 alone does not see a flipped signature");
    String bad = AuditLogVerifier.verify(dir, both, 1).problem().orElseThrow();
    assertTrue(bad.contains("signature does not verify"), bad);
  }

  /** 50 records, a checkpoint every 10, each signed; returns the last checkpoint. */
  private Checkpoint writeSignedLog(
      org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters signing, long segmentBytes) {
    try (AuditLogWriter w =
        AuditLogWriter.open(dir, EvolvingKey.fromInitial(k0, 0), keyStore(), segmentBytes)
            .signCheckpointsWith(signing)) {
      for (int i = 0; i < 50; i++) {
        w.append(record(i));
        if ((i + 1) % 10 == 0) {
          w.checkpoint(1_000L + i);
        }
      }
      return w.lastCheckpoint().orElseThrow();
    }
  }

  @Test
  void oldSegmentsDeletedWithoutRetentionAreDetected() throws IOException {
    writeLog(700);
    Files.delete(LogFrames.segment(dir, 0));
    String problem = verify(Optional.empty()).problem().orElseThrow();
    assertTrue(problem.contains("checkpoint #0"), problem);
  }

  @Test
  void modifiedRecordIsDetectedAndLocated() throws IOException {
    writeLog(1 << 20);
    List<LogFrames.Frame> frames = frames();
    byte[] changed = frames.get(13).payload().clone();
    changed[5] ^= 0x01;
    frames.set(13, recordFrame(changed));
    rewrite(frames);
    String problem = verify(Optional.empty()).problem().orElseThrow();
    assertTrue(
        problem.contains("checkpoint #1 (size 20) root does not match records 10..19"), problem);
  }

  @Test
  void flippedByteWithoutRecomputedChecksumIsReportedAsCorruption() throws IOException {
    writeLog(1 << 20);
    Path segment = LogFrames.segment(dir, 0);
    byte[] data = Files.readAllBytes(segment);
    data[100] ^= 0x40;
    Files.write(segment, data);
    String problem = verify(Optional.empty()).problem().orElseThrow();
    assertTrue(problem.startsWith("log is corrupt:"), problem);
    assertTrue(problem.contains("segment-000000.log offset"), problem);
  }

  @Test
  void insertedRecordIsDetected() throws IOException {
    writeLog(1 << 20);
    List<LogFrames.Frame> frames = frames();
    frames.add(25, recordFrame("{\"event\":\"forged\"}".getBytes(StandardCharsets.UTF_8)));
    rewrite(frames);
    String problem = verify(Optional.empty()).problem().orElseThrow();
    assertTrue(
        problem.contains("checkpoint #2 (size 30) covers 30 records but 31 precede it"), problem);
  }

  @Test
  void deletedRecordIsDetected() throws IOException {
    writeLog(1 << 20);
    List<LogFrames.Frame> frames = frames();
    frames.remove(0);
    rewrite(frames);
    String problem = verify(Optional.empty()).problem().orElseThrow();
    assertTrue(
        problem.contains("checkpoint #0 (size 10) covers 10 records but 9 precede it"), problem);
  }

  @Test
  void reorderedRecordsAreDetected() throws IOException {
    writeLog(1 << 20);
    List<LogFrames.Frame> frames = frames();
    LogFrames.Frame a = frames.get(34);
    frames.set(34, frames.get(35));
    frames.set(35, a);
    rewrite(frames);
    String problem = verify(Optional.empty()).problem().orElseThrow();
    assertTrue(problem.contains("root does not match records 30..39"), problem);
  }

  @Test
  void truncatedTailIsDetectedAgainstTheTrustedHead() throws IOException {
    Checkpoint head = writeLog(1 << 20);
    List<LogFrames.Frame> frames = frames();
    rewrite(frames.subList(0, 33)); // up to and including checkpoint #2
    assertTrue(verify(Optional.empty()).ok(), "the shorter log is consistent in itself");
    String problem = verify(Optional.of(head)).problem().orElseThrow();
    assertTrue(
        problem.contains("log holds 30 records but the trusted head has 50 (truncated)"), problem);
  }

  @Test
  void checkpointForgedWithTheCurrentKeyCannotRewriteThePast() throws IOException {
    writeLog(1 << 20);
    // The attacker takes the system now: he holds the current key K_5, not K_0..K_4.
    byte[] stolen = storedKeys.get(storedKeys.size() - 1);
    List<LogFrames.Frame> frames = frames();
    byte[] changed = frames.get(3).payload().clone();
    changed[0] ^= 0x02;
    frames.set(3, recordFrame(changed));
    MerkleTree tree = new MerkleTree();
    for (int i = 0; i < 10; i++) {
      tree.appendLeafHash(MerkleHashes.leaf(frames.get(i).payload()));
    }
    for (long claimedIndex : new long[] {0, 5}) {
      Checkpoint unsigned = new Checkpoint(10, tree.root(), claimedIndex, 1009, new byte[32]);
      byte[] mac = EvolvingKey.adopt(stolen.clone(), 5).mac(unsigned.macInput());
      Checkpoint forged = new Checkpoint(10, tree.root(), claimedIndex, 1009, mac);
      List<LogFrames.Frame> attacked = new ArrayList<>(frames);
      attacked.set(
          10, new LogFrames.Frame(LogFrames.CHECKPOINT, CheckpointCodec.encode(forged), 0, 0));
      rewrite(attacked);
      String problem = verify(Optional.empty()).problem().orElseThrow();
      assertTrue(
          claimedIndex == 0
              ? problem.contains("checkpoint #0 (size 10) MAC does not verify with K_0")
              : problem.contains("claims key K_5 where K_0 is due"),
          problem);
    }
  }

  @Test
  void replacedCheckpointFromAnotherPositionIsDetected() throws IOException {
    writeLog(1 << 20);
    List<LogFrames.Frame> frames = frames();
    LogFrames.Frame first = frames.get(10);
    frames.set(21, first); // checkpoint #0 copied over checkpoint #1
    rewrite(frames);
    String problem = verify(Optional.empty()).problem().orElseThrow();
    assertTrue(
        problem.contains("checkpoint #1 (size 10) claims key K_0 where K_1 is due"), problem);
  }

  /** Crash injection: the last write cut at every byte still opens, recovers and verifies. */
  @Test
  void crashAtAnyByteOfTheLastWriteLosesOnlyUnacknowledgedRecords() throws IOException {
    writeLog(1 << 20);
    Path segment = LogFrames.segment(dir, 0);
    byte[] full = Files.readAllBytes(segment);
    // Append one more record, acknowledged or not, then cut inside it at every offset.
    byte[] extra = LogFrames.encode(LogFrames.RECORD, record(99));
    for (int cut = 1; cut < extra.length; cut++) {
      byte[] torn = new byte[full.length + cut];
      System.arraycopy(full, 0, torn, 0, full.length);
      System.arraycopy(extra, 0, torn, full.length, cut);
      Files.write(segment, torn);
      long keyIndex = storedIndexes.get(storedIndexes.size() - 1);
      byte[] key = storedKeys.get(storedKeys.size() - 1).clone();
      try (AuditLogWriter w =
          AuditLogWriter.open(dir, EvolvingKey.adopt(key, keyIndex), (i, k) -> {}, 1 << 20)) {
        assertEquals(50, w.size(), "cut at " + cut);
      }
      assertEquals(full.length, Files.size(segment), "torn frame removed");
      assertTrue(verify(Optional.empty()).ok());
    }
  }

  /**
   * A copy taken while the writer runs (as a crash leaves the files) may end in the zero padding of
   * a direct write's last block: it verifies, and opening it cuts the padding off.
   */
  @Test
  void logCopiedWhileTheWriterRunsVerifiesAndOpens() throws IOException {
    Path copy = dir.resolve("copy");
    Path live = dir.resolve("live");
    AuditLogWriter w =
        AuditLogWriter.open(live, EvolvingKey.fromInitial(k0, 0), keyStore(), 1 << 20);
    for (int i = 0; i < 25; i++) {
      w.append(record(i));
    }
    w.checkpoint(1_000);
    w.append(record(25));
    w.sync();
    Files.createDirectories(copy);
    try (var files = Files.list(live)) {
      for (Path p : files.toList()) {
        Files.copy(p, copy.resolve(p.getFileName()));
      }
    }
    long onDisk = Files.size(LogFrames.segment(copy, 0));
    w.close();
    long exact = Files.size(LogFrames.segment(live, 0));
    AuditLogVerifier.Report report = AuditLogVerifier.verify(copy, k0, Optional.empty());
    assertTrue(report.ok(), report.problem().orElse(""));
    assertEquals(26, report.records());
    assertEquals(null, report.tornTail(), "padding is not a torn frame");
    byte[] key = storedKeys.get(storedKeys.size() - 1).clone();
    try (AuditLogWriter reopened =
        AuditLogWriter.open(copy, EvolvingKey.adopt(key, 1), (i, k) -> {}, 1 << 20)) {
      assertEquals(26, reopened.size());
    }
    assertEquals(exact, Files.size(LogFrames.segment(copy, 0)));
    assertTrue(onDisk >= exact, "the live copy had " + onDisk + " bytes for " + exact);
  }

  @Test
  void crashBetweenCheckpointAndKeyUpdateIsRepairedOnOpen() {
    writeLog(1 << 20);
    // The key store still holds K_4: the process died before storing K_5 after checkpoint #4.
    byte[] k4 = storedKeys.get(storedKeys.size() - 2).clone();
    try (AuditLogWriter w =
        AuditLogWriter.open(dir, EvolvingKey.adopt(k4, 4), keyStore(), 1 << 20)) {
      w.append(record(50));
      w.checkpoint(2_000);
    }
    assertEquals(6L, (long) storedIndexes.get(storedIndexes.size() - 1));
    AuditLogVerifier.Report report = verify(Optional.empty());
    assertTrue(report.ok(), report.problem().orElse(""));
    assertEquals(6, report.checkpoints());
  }

  /**
   * A key store that fails after a durable checkpoint stops the writer (nothing more is written
   * behind an unknown state) until the log is reopened, which catches the stored key up.
   */
  @Test
  void failedKeyStoreStopsTheWriterUntilTheLogIsReopened() {
    boolean[] storeFails = {false};
    AuditLogWriter.KeyStore flaky =
        (index, key) -> {
          if (storeFails[0]) {
            throw new IllegalStateException("key store unavailable");
          }
          storedIndexes.add(index);
          storedKeys.add(key.clone());
        };
    AuditLogWriter w = AuditLogWriter.open(dir, EvolvingKey.fromInitial(k0, 0), flaky, 1 << 20);
    for (int i = 0; i < 10; i++) {
      w.append(record(i));
    }
    w.checkpoint(1_000);
    storeFails[0] = true;
    for (int i = 10; i < 20; i++) {
      w.append(record(i));
    }
    AuditLogException failed = assertThrows(AuditLogException.class, () -> w.checkpoint(2_000));
    assertTrue(failed.getMessage().contains("key store unavailable"), failed.getMessage());
    assertTrue(w.failed());
    AuditLogException refused = assertThrows(AuditLogException.class, () -> w.append(record(20)));
    assertTrue(refused.getMessage().contains("reopen it to recover"), refused.getMessage());
    w.close();
    assertEquals(List.of(1L), storedIndexes);

    storeFails[0] = false;
    try (AuditLogWriter reopened =
        AuditLogWriter.open(dir, EvolvingKey.adopt(storedKeys.get(0).clone(), 1), flaky, 1 << 20)) {
      assertEquals(20, reopened.size());
      reopened.append(record(20));
      reopened.checkpoint(3_000);
    }
    assertEquals(List.of(1L, 2L, 3L), storedIndexes);
    AuditLogVerifier.Report report = verify(Optional.empty());
    assertTrue(report.ok(), report.problem().orElse(""));
    assertEquals(21, report.records());
    assertEquals(3, report.checkpoints());
  }

  @Test
  void wrongKeyIsRefusedOnOpen() {
    writeLog(1 << 20);
    AuditLogException e =
        assertThrows(
            AuditLogException.class,
            () -> AuditLogWriter.open(dir, EvolvingKey.fromInitial(k0, 2), keyStore(), 1 << 20));
    assertEquals(AuditLogException.Kind.KEY_MISMATCH, e.kind());
    assertTrue(e.getMessage().contains("needs K_5"), e.getMessage());
  }

  /**
   * Property: random appends (some larger than the write buffer), checkpoints (waited for or not),
   * syncs and reopenings always leave a verifiable log.
   */
  @Test
  void randomOperationSequencesAlwaysVerify() {
    Random random = new Random(3);
    long[] index = {0};
    byte[][] current = {k0.clone()};
    AuditLogWriter.KeyStore store =
        (i, k) -> {
          index[0] = i;
          current[0] = k.clone();
        };
    AuditLogWriter w = AuditLogWriter.open(dir, EvolvingKey.fromInitial(k0, 0), store, 900);
    long appended = 0;
    for (int step = 0; step < 400; step++) {
      int op = random.nextInt(10);
      if (op < 6) {
        // Now and then a record larger than the write buffer, which is written directly.
        byte[] payload = new byte[random.nextInt(40) == 0 ? (1 << 20) + 17 : random.nextInt(200)];
        random.nextBytes(payload);
        w.append(payload);
        appended++;
      } else if (op == 6) {
        w.appendCheckpoint(step);
      } else if (op == 7) {
        w.checkpoint(step);
      } else if (op == 8) {
        w.sync();
      } else {
        w.close();
        w = AuditLogWriter.open(dir, EvolvingKey.adopt(current[0].clone(), index[0]), store, 900);
        assertEquals(appended, w.size());
      }
    }
    Checkpoint head = w.checkpoint(9_999);
    w.close();
    AuditLogVerifier.Report report = AuditLogVerifier.verify(dir, k0, Optional.of(head));
    assertTrue(report.ok(), report.problem().orElse(""));
    assertEquals(appended, report.records());
    assertFalse(Checkpoint.parse(head.toText()).rootHex().isEmpty());
  }
}
