package dev.keychain.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.auth.GrantedShare;
import dev.keychain.core.crypto.SecretAccess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The shares on the memory volume: {@code shares/<namespace>/<share>/} holds {@code item} (the
 * shared item, opened), {@code key} (the version's one-time key, seed 004's locally kept OTP),
 * {@code item.sealed} (the item as the operator serves it, under that key) and {@code share.json}
 * (version, key ID, owner, recipients), each share written atomically like the key. A share no
 * longer served is erased, its files zeroed first.
 */
final class ShareFiles {
  static final String ITEM = "item";
  static final String KEY = "key";
  static final String SEALED = "item.sealed";
  static final String METADATA = "share.json";
  private static final List<String> NAMES = List.of(ITEM, KEY, SEALED, METADATA);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;

  ShareFiles(Path root) {
    this.root = root;
  }

  /** A held share's version and one-time key ID. */
  record Held(long version, String keyId) {}

  /** What a sync changed: shares written and shares erased ({@code namespace/share}). */
  record Changes(List<String> written, List<String> erased) {}

  /**
   * Makes the volume hold exactly {@code served}, plus what it holds of {@code withheld}: new or
   * changed versions are written, every other share erased.
   */
  Changes sync(List<GrantedShare> served, List<String> withheld) throws IOException {
    List<String> written = new ArrayList<>();
    Set<String> keep = new HashSet<>(withheld);
    for (GrantedShare s : served) {
      keep.add(s.id());
      Optional<Held> held = held(s.id());
      if (held.isPresent()
          && held.get().version() == s.binding().version()
          && held.get().keyId().equals(s.keyId().hex())) {
        continue;
      }
      write(s);
      written.add(s.id());
    }
    List<String> erased = new ArrayList<>();
    for (String id : present()) {
      if (!keep.contains(id)) {
        erase(id);
        erased.add(id);
      }
    }
    return new Changes(written, erased);
  }

  /** Erases every share. */
  List<String> wipe() throws IOException {
    List<String> erased = present();
    for (String id : erased) {
      erase(id);
    }
    return erased;
  }

  /** The shares on the volume now ({@code namespace/share}), complete or not. */
  List<String> present() throws IOException {
    List<String> ids = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return ids;
    }
    try (Stream<Path> namespaces = Files.list(root)) {
      for (Path ns : namespaces.filter(Files::isDirectory).toList()) {
        try (Stream<Path> shares = Files.list(ns)) {
          shares
              .filter(Files::isDirectory)
              .forEach(p -> ids.add(ns.getFileName() + "/" + p.getFileName()));
        }
      }
    }
    ids.sort(null);
    return ids;
  }

  Optional<Held> held(String id) {
    Path meta = dir(id).resolve(METADATA);
    if (!Files.exists(meta) || !Files.exists(dir(id).resolve(ITEM))) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(Files.readAllBytes(meta));
      return Optional.of(new Held(n.get("version").asLong(), n.get("keyId").asText()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // unreadable: written again
    }
  }

  private void write(GrantedShare s) throws IOException {
    byte[] item = s.item().toByteArray(SecretAccess.grant());
    byte[] key = s.oneTimeKey().toByteArray(SecretAccess.grant());
    try {
      ObjectNode meta = JSON.createObjectNode();
      meta.put("namespace", s.binding().namespace());
      meta.put("share", s.binding().share());
      meta.put("owner", s.binding().ownerId());
      meta.put("version", s.binding().version());
      meta.put("keyId", s.keyId().hex());
      s.binding().recipients().forEach(meta.putArray("recipients")::add);
      Map<String, byte[]> files = new LinkedHashMap<>();
      files.put(ITEM, item);
      files.put(KEY, key);
      files.put(SEALED, s.sealed().encode().getBytes(StandardCharsets.US_ASCII));
      files.put(METADATA, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
      directory(s.id()).write(files);
    } finally {
      Arrays.fill(item, (byte) 0);
      Arrays.fill(key, (byte) 0);
    }
  }

  private void erase(String id) throws IOException {
    directory(id).wipe(NAMES);
    Files.deleteIfExists(dir(id));
    Path ns = dir(id).getParent();
    try (Stream<Path> left = Files.list(ns)) {
      if (left.findAny().isEmpty()) {
        Files.delete(ns);
      }
    }
  }

  private AtomicDirectory directory(String id) {
    return new AtomicDirectory(dir(id), "..share-");
  }

  private Path dir(String id) {
    String[] parts = id.split("/", 2);
    return root.resolve(parts[0]).resolve(parts[1]);
  }
}
