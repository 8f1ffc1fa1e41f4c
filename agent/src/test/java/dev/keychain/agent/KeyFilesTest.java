package dev.keychain.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.auth.GrantedKey;
import dev.keychain.core.chain.KeyId;
import dev.keychain.core.chain.KeyLevel;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {
  @TempDir Path dir;

  private static GrantedKey grant(byte fill, long epoch) {
    byte[] raw = new byte[16];
    java.util.Arrays.fill(raw, fill);
    SecretBytes key = SecretBytes.copyOf(raw, SecretAccess.grant());
    return new GrantedKey(
        key,
        KeyId.of(KeyLevel.AGENT, key),
        "ns/chain",
        "edge",
        "ns/uid/pod",
        new SubKeyEpochs(0, 0, epoch),
        Instant.parse("2026-11-23T10:00:00Z"),
        Instant.parse("2026-11-23T11:00:00Z"),
        "ab");
  }

  @Test
  void writesKeyAndMetadataThatBelongTogetherAndReplacesThemAtomically() throws Exception {
    KeyFiles files = new KeyFiles(dir);
    GrantedKey first = grant((byte) 1, 0);
    files.write(first);
    byte[] ones = new byte[16];
    java.util.Arrays.fill(ones, (byte) 1);
    assertArrayEquals(ones, Files.readAllBytes(dir.resolve("key")));
    assertEquals(first.keyId().hex(), files.held().orElseThrow().keyId());
    assertTrue(Files.isSymbolicLink(dir.resolve("..data")));

    GrantedKey second = grant((byte) 2, 1);
    files.write(second);
    assertEquals(1, files.held().orElseThrow().epochs().agentEpoch());
    assertEquals(second.keyId().hex(), files.held().orElseThrow().keyId());
    try (Stream<Path> versions = Files.list(dir)) {
      // The previous version is gone: one key directory at a time.
      assertEquals(
          1, versions.filter(p -> p.getFileName().toString().startsWith("..key-")).count());
    }
  }

  @Test
  void wipeRemovesEveryKey() throws Exception {
    KeyFiles files = new KeyFiles(dir);
    files.write(grant((byte) 7, 0));
    Path version = dir.resolve(Files.readSymbolicLink(dir.resolve("..data")));
    files.wipe();
    assertFalse(Files.exists(dir.resolve("key")));
    assertFalse(Files.exists(version));
    assertTrue(files.held().isEmpty());
  }

  @Test
  void unreadableMetadataCountsAsNoKey() throws Exception {
    Files.writeString(dir.resolve("key.json"), "{not json");
    Files.write(dir.resolve("key"), new byte[16]);
    assertTrue(new KeyFiles(dir).held().isEmpty());
  }
}
