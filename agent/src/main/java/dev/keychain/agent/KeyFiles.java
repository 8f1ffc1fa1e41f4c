package dev.keychain.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.auth.GrantedKey;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.crypto.SecretAccess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final AtomicDirectory directory;

  KeyFiles(Path dir) {
    this.dir = dir;
    this.directory = new AtomicDirectory(dir, "..key-");
  }

  /** The key's public description, as written beside it. */
  record Held(String keyId, SubKeyEpochs epochs, Instant issuedAt, Instant expiresAt) {}

  void write(GrantedKey granted) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    byte[] key = granted.key().toByteArray(SecretAccess.grant());
    try {
      files.put(KEY, key);
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
      files.put(METADATA, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
      directory.write(files);
    } finally {
      Arrays.fill(key, (byte) 0);
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
    directory.wipe(List.of(KEY, METADATA));
  }
}
