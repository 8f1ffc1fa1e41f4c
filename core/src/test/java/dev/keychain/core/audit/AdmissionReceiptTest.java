package dev.keychain.core.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdmissionReceiptTest {
  @TempDir Path dir;

  private static String run(int expectedExit, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = VerifyCommand.run(args, new PrintStream(out), new PrintStream(out));
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(expectedExit, code, text);
    return text;
  }

  private static byte[] admission(String pod, String uid) {
    return new AuditEvent(
            AuditEventType.ADMISSION_ALLOWED,
            Instant.parse("2026-12-07T10:00:00Z"),
            "apps",
            "Pod",
            pod,
            "Signed",
            "images signed by whitelisted keys",
            Map.of("operation", "CREATE", "uid", uid))
        .canonicalJson();
  }

  @Test
  void provesAnAdmittedPodsRecordIsInTheHeadsTreeAndRefusesEveryMismatch() throws Exception {
    byte[] k0 = new byte[32];
    new SecureRandom().nextBytes(k0);
    Path log = dir.resolve("log");
    Checkpoint head;
    byte[] web = admission("web-1", "uid-1");
    try (AuditLogWriter w =
        AuditLogWriter.open(log, EvolvingKey.fromInitial(k0, 0), (i, k) -> {}, 1 << 20)) {
      for (int i = 0; i < 40; i++) {
        w.append(admission("other-" + i, "uid-other-" + i));
      }
      assertEquals(40, w.append(web));
      for (int i = 0; i < 20; i++) {
        w.append(admission("later-" + i, "uid-later-" + i));
      }
      head = w.checkpoint(1);
    }
    String decision = AdmissionReceipt.decisionOf(web);
    AdmissionReceipt receipt =
        new AdmissionReceipt("apps/decisions", 40, decision, "apps/web-1", "uid-1");
    String annotation = AdmissionReceipt.annotation(List.of(receipt));
    String ok = run(0, "--dir", log.toString(), "--head", head.toText(), "--receipt", annotation);
    assertTrue(ok.contains("OK: decision " + decision), ok);
    assertTrue(ok.contains("is record 40, included in the head's tree of 61 records"), ok);
    assertTrue(ok.contains("inclusion proof (6 hashes)"), ok);

    // from a file, as kubectl writes it
    Path file = dir.resolve("receipt.json");
    Files.writeString(file, annotation + "\n");
    run(0, "--dir", log.toString(), "--head", head.toText(), "--receipt", "@" + file);

    // another index: the decision ID names one record
    String moved =
        AdmissionReceipt.annotation(
            List.of(new AdmissionReceipt("apps/decisions", 41, decision, "apps/web-1", "uid-1")));
    assertTrue(
        run(1, "--dir", log.toString(), "--head", head.toText(), "--receipt", moved)
            .contains("record 41 is not decision " + decision));
    // a receipt copied onto another pod
    String copied =
        AdmissionReceipt.annotation(
            List.of(new AdmissionReceipt("apps/decisions", 40, decision, "apps/web-2", "uid-2")));
    assertTrue(
        run(1, "--dir", log.toString(), "--head", head.toText(), "--receipt", copied)
            .contains("not the admission of pod apps/web-2 (uid uid-2)"));
    // a head from before the record
    Checkpoint old =
        new Checkpoint(30, head.root(), head.keyIndex(), head.timestamp(), new byte[32]);
    assertTrue(
        run(1, "--dir", log.toString(), "--head", old.toText(), "--receipt", annotation)
            .contains("is not under the head (tree size 30): take a newer head"));
    // a head whose root the log does not reproduce (rewritten history)
    byte[] otherRoot = head.root().clone();
    otherRoot[0] ^= 1;
    Checkpoint forged =
        new Checkpoint(head.treeSize(), otherRoot, head.keyIndex(), head.timestamp(), new byte[32]);
    assertTrue(
        run(1, "--dir", log.toString(), "--head", forged.toText(), "--receipt", annotation)
            .contains("is not in the head's tree"));
    // without a head there is nothing to prove against
    assertTrue(
        run(2, "--dir", log.toString(), "--receipt", annotation)
            .contains("--receipt needs --head or --head-note"));
    // several logs: one must be chosen
    String two =
        AdmissionReceipt.annotation(
            List.of(
                receipt, new AdmissionReceipt("apps/second", 3, decision, "apps/web-1", "uid-1")));
    assertTrue(
        run(2, "--dir", log.toString(), "--head", head.toText(), "--receipt", two)
            .contains("choose one with --receipt-log"));
    run(
        0,
        "--dir",
        log.toString(),
        "--head",
        head.toText(),
        "--receipt",
        two,
        "--receipt-log",
        "apps/decisions");
  }

  @Test
  void aReceiptStillVerifiesAfterRetentionPrunedOlderRecords() throws Exception {
    byte[] k0 = new byte[32];
    new SecureRandom().nextBytes(k0);
    Path log = dir.resolve("pruned");
    Checkpoint head;
    byte[] early = admission("early", "uid-early");
    byte[] late = admission("late", "uid-late");
    long lateIndex;
    try (AuditLogWriter w =
        AuditLogWriter.open(log, EvolvingKey.fromInitial(k0, 0), (i, k) -> {}, 4096)) {
      assertEquals(0, w.append(early));
      for (int i = 0; i < 300; i++) {
        w.append(admission("filler-" + i, "uid-" + i));
        if (i % 50 == 49) {
          w.checkpoint(1 + i);
        }
      }
      assertTrue(w.prune(2) > 0, "nothing pruned");
      lateIndex = w.append(late);
      head = w.checkpoint(10_000);
    }
    String receipt =
        AdmissionReceipt.annotation(
            List.of(
                new AdmissionReceipt(
                    "apps/decisions",
                    lateIndex,
                    AdmissionReceipt.decisionOf(late),
                    "apps/late",
                    "uid-late")));
    String ok =
        run(
            0,
            "--dir",
            log.toString(),
            "--head",
            head.toText(),
            "--receipt",
            receipt,
            "--pod",
            "apps/late");
    assertTrue(ok.contains("is record " + lateIndex), ok);
    assertTrue(
        run(
                1,
                "--dir",
                log.toString(),
                "--head",
                head.toText(),
                "--receipt",
                receipt,
                "--pod",
                "apps/other")
            .contains("the receipt is of pod apps/late, not of apps/other"));
    String pruned =
        AdmissionReceipt.annotation(
            List.of(
                new AdmissionReceipt(
                    "apps/decisions",
                    0,
                    AdmissionReceipt.decisionOf(early),
                    "apps/early",
                    "uid-early")));
    assertTrue(
        run(1, "--dir", log.toString(), "--head", head.toText(), "--receipt", pruned)
            .contains("record 0 was pruned by retention"));
  }

  @Test
  void malformedReceiptsNameWhatIsWrong() {
    assertEquals(
        "receipt is not JSON",
        assertThrows(IllegalArgumentException.class, () -> AdmissionReceipt.parse("{nope"))
            .getMessage());
    assertEquals(
        "receipt 0: 'index' is not a record index (integer >= 0)",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    AdmissionReceipt.parse(
                        "[{\"log\":\"a/b\",\"index\":-1,\"decision\":\"" + "0".repeat(64) + "\"}]"))
            .getMessage());
    assertEquals(
        "receipt: 'decision' is not a SHA-256 in lowercase hex (64 digits)",
        assertThrows(
                IllegalArgumentException.class,
                () -> AdmissionReceipt.parse("{\"log\":\"a/b\",\"index\":1,\"decision\":\"abc\"}"))
            .getMessage());
    assertEquals(
        "receipt: 'uid' is missing or not a string",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    AdmissionReceipt.parse(
                        "{\"log\":\"a/b\",\"index\":1,\"decision\":\""
                            + "a".repeat(64)
                            + "\",\"pod\":\"a/p\"}"))
            .getMessage());
    assertEquals(
        "receipt list is empty",
        assertThrows(IllegalArgumentException.class, () -> AdmissionReceipt.parse("[]"))
            .getMessage());
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> AdmissionReceipt.parse("[" + "1,".repeat(40_000) + "1]"))
            .getMessage()
            .contains("larger than"));
  }

  @Test
  void roundTripsThroughTheAnnotation() {
    AdmissionReceipt r = new AdmissionReceipt("ns/log", 7, "f".repeat(64), "ns/pod", "u");
    assertEquals(List.of(r), AdmissionReceipt.parse(AdmissionReceipt.annotation(List.of(r))));
  }
}
