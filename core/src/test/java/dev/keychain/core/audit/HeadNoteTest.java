package dev.keychain.core.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log heads as C2SP signed-note checkpoints, checked here and by the Go note verifier. */
class HeadNoteTest {
  private static final String ORIGIN = "keychain.dev/audit/tenant-a/demo";
  @TempDir Path dir;
  private final Ed25519PrivateKeyParameters key =
      new Ed25519PrivateKeyParameters(new SecureRandom());
  private final String vkey = HeadNote.verifierKey(ORIGIN, key.generatePublicKey().getEncoded());

  private static Checkpoint head() {
    MerkleTree tree = new MerkleTree();
    for (int i = 0; i < 7; i++) {
      tree.appendLeafHash(MerkleHashes.leaf(("record " + i).getBytes(StandardCharsets.UTF_8)));
    }
    return new Checkpoint(tree.size(), tree.root(), 3, 1_700_000_000_000L, new byte[32]);
  }

  @Test
  void aSignedHeadOpensWithItsVerifierKeyAndCarriesTheCheckpoint() {
    Checkpoint head = head();
    String note = HeadNote.sign(ORIGIN, head, key);
    assertTrue(note.startsWith(ORIGIN + "\n7\n" + Base64.getEncoder().encodeToString(head.root())));
    Checkpoint opened = HeadNote.open(note, vkey);
    assertEquals(head.toText(), opened.toText());
  }

  @Test
  void aWitnessCosignatureIsKeptAndIgnored() {
    Checkpoint head = head();
    String note = HeadNote.sign(ORIGIN, head, key);
    var witness = new Ed25519PrivateKeyParameters(new SecureRandom());
    String witnessLine =
        HeadNote.sign("witness.example", head, witness).lines().reduce((a, b) -> b).orElseThrow();
    assertEquals(head.toText(), HeadNote.open(note + witnessLine + "\n", vkey).toText());
  }

  @Test
  void aChangedBodyAnotherKeyOrAMalformedNoteIsRefusedNamingWhy() {
    String note = HeadNote.sign(ORIGIN, head(), key);
    String bumped = note.replaceFirst("\n7\n", "\n8\n");
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> HeadNote.open(bumped, vkey))
            .getMessage()
            .contains("does not verify"));
    String other =
        HeadNote.verifierKey(
            ORIGIN,
            new Ed25519PrivateKeyParameters(new SecureRandom()).generatePublicKey().getEncoded());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> HeadNote.open(note, other))
            .getMessage()
            .contains("no signature of " + ORIGIN));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> HeadNote.open("no note", vkey))
            .getMessage()
            .contains("not a signed note"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> HeadNote.open(note, "name+zz+key"))
            .getMessage()
            .contains("verifier key"));
  }

  @Test
  void theGoNoteVerifierOfTheModuleEcosystemAcceptsTheHead() throws Exception {
    assumeTrue(
        new ProcessBuilder("go", "version").start().waitFor() == 0, "no Go toolchain on PATH");
    Checkpoint head = head();
    Path note = dir.resolve("head.note");
    Files.writeString(note, HeadNote.sign(ORIGIN, head, key));
    ProcessBuilder go =
        new ProcessBuilder("go", "run", ".", note.toString(), vkey)
            .directory(Path.of("src/test/go/noteverify").toFile())
            .redirectErrorStream(true);
    go.environment().put("GOFLAGS", "-mod=mod");
    go.environment().putIfAbsent("GOTOOLCHAIN", "auto");
    Process p = go.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES));
    assertEquals(0, p.exitValue(), out);
    String[] sizeRoot = out.trim().lines().reduce((a, b) -> b).orElseThrow().split(" ");
    assertEquals("7", sizeRoot[0]);
    assertArrayEquals(head.root(), Base64.getDecoder().decode(sizeRoot[1]), out);

    // and refuses a head whose size was changed after signing
    Files.writeString(note, HeadNote.sign(ORIGIN, head, key).replaceFirst("\n7\n", "\n8\n"));
    Process bad =
        new ProcessBuilder("go", "run", ".", note.toString(), vkey)
            .directory(Path.of("src/test/go/noteverify").toFile())
            .redirectErrorStream(true)
            .start();
    String badOut = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(bad.waitFor(5, TimeUnit.MINUTES));
    assertEquals(1, bad.exitValue(), badOut);
    assertTrue(badOut.contains("invalid signature") || badOut.contains("verification"), badOut);
  }
}
