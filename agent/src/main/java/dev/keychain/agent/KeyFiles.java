package dev.keychain.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.auth.GrantedKey;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.crypto.SecretAccess;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The key on the memory volume, written as Kubernetes writes projected volumes: the files of one
 * grant ({@code key}, the raw key bytes, and {@code key.json}, its ID, epochs and expiry) go into a
 * fresh directory, and a {@code ..data} symlink is swapped to it atomically, so an app always reads
 * a key and metadata that belong together. {@code key} and {@code key.json} at the top are links
 * through {@code ..data}. Wiping overwrites every key file with zeros before removing it.
 */
final class KeyFiles {
  static final String KEY = "key";
  static final String METADATA = "key.json";
  private static final String DATA = "..data";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  KeyFiles(Path dir) {
    this.dir = dir;
  }

  /** The key's public description, as written beside it. */
  record Held(String keyId, SubKeyEpochs epochs, Instant issuedAt, Instant expiresAt) {}

  void write(GrantedKey granted) throws IOException {
    Files.createDirectories(dir);
    // Readable by the app containers of the pod, whatever user they run as; the volume itself is
    // in memory and mounted into this pod only.
    Path version =
        Files.createTempDirectory(
            dir,
            "..key-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    byte[] key = granted.key().toByteArray(SecretAccess.grant());
    try {
      writeFile(version.resolve(KEY), key);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
    ObjectNode meta = JSON.createObjectNode();
    meta.put("keyId", granted.keyId().hex());
    meta.put("chain", granted.chain());
    meta.put("group", granted.group());
    meta.put("agent", granted.agent());
    meta.put("rootEpoch", granted.epochs().rootEpoch());
    meta.put("groupEpoch", granted.epochs().groupEpoch());
    meta.put("agentEpoch", granted.epochs().agentEpoch());
    meta.put("issuedAt", granted.issuedAt().toString());
    meta.put("expiresAt", granted.expiresAt().toString());
    meta.put("sessionNumber", granted.sessionNumber());
    writeFile(
        version.resolve(METADATA), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
    Optional<Path> previous = target();
    Path link = dir.resolve("..data_tmp");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, version.getFileName());
    move(link, dir.resolve(DATA));
    for (String name : new String[] {KEY, METADATA}) {
      if (!Files.isSymbolicLink(dir.resolve(name))) {
        Path tmp = dir.resolve(name + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(DATA, name));
        move(tmp, dir.resolve(name));
      }
    }
    if (previous.isPresent() && !previous.get().equals(version)) {
      erase(previous.get());
    }
  }

  /** What the directory holds now, if a complete key is there. */
  Optional<Held> held() {
    Path meta = dir.resolve(METADATA);
    if (!Files.exists(meta) || !Files.exists(dir.resolve(KEY))) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(Files.readAllBytes(meta));
      return Optional.of(
          new Held(
              n.get("keyId").asText(),
              new SubKeyEpochs(
                  n.get("rootEpoch").asLong(),
                  n.get("groupEpoch").asLong(),
                  n.get("agentEpoch").asLong()),
              Instant.parse(n.get("issuedAt").asText()),
              Instant.parse(n.get("expiresAt").asText())));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // unreadable metadata: treated as no key, the agent enrols again
    }
  }

  /** Overwrites and removes every key this directory holds. */
  void wipe() throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    for (String name : new String[] {KEY, METADATA, DATA}) {
      Files.deleteIfExists(dir.resolve(name));
    }
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : entries.filter(p -> p.getFileName().toString().startsWith("..key-")).toList()) {
        erase(p);
      }
    }
  }

  private Optional<Path> target() throws IOException {
    Path data = dir.resolve(DATA);
    if (!Files.isSymbolicLink(data)) {
      return Optional.empty();
    }
    return Optional.of(dir.resolve(Files.readSymbolicLink(data)));
  }

  private static void erase(Path version) throws IOException {
    Path key = version.resolve(KEY);
    if (Files.exists(key)) {
      long size = Files.size(key);
      // Key files are read-only (r--r--r--); a non-root agent must make its own file writable
      // before overwriting it (root, as in unit tests, bypasses the mode).
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
      try (FileChannel ch = FileChannel.open(key, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.allocate((int) size));
        ch.force(true);
      }
    }
    try (Stream<Path> files = Files.list(version)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(version);
  }

  private static void writeFile(Path file, byte[] content) throws IOException {
    Files.write(file, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "key directory " + to.getParent() + " does not support atomic rename", e);
    }
  }
}
