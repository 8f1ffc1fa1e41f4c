package dev.keychain.core.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyCommandTest {
  @TempDir Path dir;

  private String run(int expectedExit, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = VerifyCommand.run(args, new PrintStream(out), new PrintStream(err));
    String text = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    assertEquals(expectedExit, code, text);
    return text;
  }

  @Test
  void verifiesAWholeLogARangeAndDetectsTampering() throws Exception {
    byte[] k0 = new byte[32];
    new SecureRandom().nextBytes(k0);
    Path log = dir.resolve("log");
    Checkpoint head;
    try (AuditLogWriter w =
        AuditLogWriter.open(log, EvolvingKey.fromInitial(k0, 0), (i, k) -> {}, 1 << 20)) {
      for (int i = 0; i < 120; i++) {
        w.append(("record " + i).getBytes(StandardCharsets.UTF_8));
      }
      head = w.checkpoint(1);
    }
    Path k0File = dir.resolve("k0.hex");
    Files.writeString(k0File, HexFormat.of().formatHex(k0));
    String dirArg = log.toString();
    assertTrue(
        run(0, "--dir", dirArg, "--k0-file", k0File.toString(), "--head", head.toText())
            .contains("OK: 120 records, 1 checkpoints verified (MACs with K_0, against the"));
    String noHead = run(0, "--dir", dirArg, "--k0-file", k0File.toString());
    assertTrue(
        noHead.contains("not checked: truncation and rewrites of the whole log (no trusted head)")
            && noHead.contains("hint: a trusted head comes from"),
        noHead);
    assertTrue(run(0, "--dir", dirArg, "--head", head.toText()).contains("MACs not checked"));
    var noteKey =
        new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(new SecureRandom());
    Path note = dir.resolve("head.note");
    Files.writeString(note, HeadNote.sign("keychain.dev/audit/t/log", head, noteKey));
    String vkey =
        HeadNote.verifierKey("keychain.dev/audit/t/log", noteKey.generatePublicKey().getEncoded());
    assertTrue(
        run(
                0,
                "--dir",
                dirArg,
                "--k0-file",
                k0File.toString(),
                "--head-note",
                note.toString(),
                "--note-key",
                vkey)
            .contains("against the trusted head"));
    Files.writeString(note, Files.readString(note).replace("\n120\n", "\n119\n"));
    assertTrue(
        run(2, "--dir", dirArg, "--head-note", note.toString(), "--note-key", vkey)
            .contains("does not verify"));
    assertTrue(
        run(0, "--dir", dirArg, "--head", head.toText(), "--range", "50:61")
            .contains("OK: records 50..60"));

    Path segment = log.resolve("segment-000000.log");
    String text = Files.readString(segment, StandardCharsets.ISO_8859_1);
    byte[] bytes = Files.readAllBytes(segment);
    bytes[text.indexOf("record 55")] = 'X';
    Files.write(segment, bytes);
    assertTrue(
        run(1, "--dir", dirArg, "--k0-file", k0File.toString()).contains("FAILED: log is corrupt"));
    assertTrue(run(2, "--dir").contains("usage:"));
    assertTrue(run(2, "--dir", dirArg, "--range", "1:2").contains("--range needs --head"));
  }
}
