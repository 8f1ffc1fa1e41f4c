package dev.keychain.core.tuf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.json.UntrustedJson;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Notary v1 (TUF) client-side verifier, as the Docker CLI's content trust runs it but with the
 * root pinned instead of trusted on first use: root (signed by pinned root keys, threshold, expiry,
 * certificate validity), timestamp, snapshot and targets (each pinned by hash and length from its
 * parent, signed by its role's keys to threshold, unexpired, never older than a version seen
 * before), then delegation roles such as {@code targets/releases} and per-signer roles, each
 * verified against the keys and threshold its parent delegates to it and restricted to its paths.
 *
 * <p>A delegation role that fails verification does not fail the repository: its targets are not
 * trusted and the reason is reported, so a denial can say why a signature did not count.
 */
public final class NotaryVerifier {
  static final long MAX_ROOT_BYTES = 512 * 1024;
  static final long MAX_TIMESTAMP_BYTES = 64 * 1024;
  static final long MAX_ROLE_BYTES = 32L * 1024 * 1024;
  static final int MAX_DELEGATED_ROLES = 64;
  static final int MAX_DELEGATION_DEPTH = 4;
  private static final List<String> TOP_ROLES = List.of("root", "targets", "snapshot", "timestamp");

  private final MetadataSource source;
  private final Clock clock;
  // Highest version of each role's metadata verified so far, per repository: rollback protection.
  private final Map<String, Long> versionFloors = new ConcurrentHashMap<>();

  public NotaryVerifier(MetadataSource source, Clock clock) {
    this.source = source;
    this.clock = clock;
  }

  /** A role as its parent describes it. */
  private record Role(String name, List<String> keyIds, int threshold, List<String> paths) {}

  /**
   * Verifies {@code gun}'s trust data; the root must be signed by keys in {@code pinnedRootKeyIds}.
   */
  public NotaryTrust verify(String gun, Set<String> pinnedRootKeyIds) throws TufException {
    if (pinnedRootKeyIds.isEmpty()) {
      throw new TufException(
          TufException.Reason.UNTRUSTED_ROOT,
          gun + ": no root key IDs pinned; refusing trust on first use");
    }
    Instant now = clock.instant();
    Map<String, Long> seen = new HashMap<>();

    // root
    SignedMetadata root =
        SignedMetadata.parse(
            source.fetch(gun, "root", Optional.empty(), MAX_ROOT_BYTES),
            gun + " root.json",
            "Root");
    Map<String, TufKey> rootKeys = keys(root, root.signed().get("keys"), "signed.keys");
    Map<String, Role> roles = topRoles(root);
    Role rootRole = roles.get("root");
    List<String> pinned =
        rootRole.keyIds().stream()
            .filter(id -> rootKeys.containsKey(id))
            .filter(id -> pinnedRootKeyIds.stream().anyMatch(rootKeys.get(id)::hasId))
            .toList();
    if (pinned.isEmpty()) {
      throw new TufException(
          TufException.Reason.UNTRUSTED_ROOT,
          root.file()
              + ": none of the root keys "
              + rootRole.keyIds().stream()
                  .filter(rootKeys::containsKey)
                  .map(id -> rootKeys.get(id).canonicalId())
                  .toList()
              + " is pinned");
    }
    List<TufKey> rootSigners =
        verifySignatures(root, new Role("root", pinned, rootRole.threshold(), List.of()), rootKeys);
    for (TufKey k : rootSigners) {
      if (k.certificate().isPresent()) {
        try {
          k.certificate().get().checkValidity(Date.from(now));
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
          throw new TufException(
              TufException.Reason.EXPIRED,
              root.file() + ": certificate of root key " + k.canonicalId() + " is not valid now");
        }
      }
    }
    checkFresh(gun, root, now, seen);

    // timestamp
    SignedMetadata timestamp =
        SignedMetadata.parse(
            source.fetch(gun, "timestamp", Optional.empty(), MAX_TIMESTAMP_BYTES),
            gun + " timestamp.json",
            "Timestamp");
    verifySignatures(timestamp, roles.get("timestamp"), rootKeys);
    checkFresh(gun, timestamp, now, seen);

    // snapshot, pinned by the timestamp
    SignedMetadata snapshot = fetchPinned(gun, "snapshot", "Snapshot", timestamp, MAX_ROLE_BYTES);
    verifySignatures(snapshot, roles.get("snapshot"), rootKeys);
    checkFresh(gun, snapshot, now, seen);
    JsonNode snapshotMeta = meta(snapshot);
    if (snapshotMeta.has("root")) {
      checkHashes(
          snapshot.doc(), snapshotMeta.get("root"), "signed.meta.root", root.raw(), root.file());
    }

    // targets, pinned by the snapshot
    SignedMetadata targets = fetchPinned(gun, "targets", "Targets", snapshot, MAX_ROLE_BYTES);
    List<TufKey> targetSigners = verifySignatures(targets, roles.get("targets"), rootKeys);
    checkFresh(gun, targets, now, seen);

    List<SignedTarget> signed =
        new ArrayList<>(targetEntries(targets, "targets", List.of(""), targetSigners));
    List<String> unusable = new ArrayList<>();
    delegations(gun, targets, snapshot, now, seen, signed, unusable);

    seen.forEach((k, v) -> versionFloors.merge(k, v, Math::max));
    return new NotaryTrust(gun, timestamp.version(), List.copyOf(signed), List.copyOf(unusable));
  }

  /** Walks the delegation tree breadth first, verifying each role against its parent's grant. */
  private void delegations(
      String gun,
      SignedMetadata targets,
      SignedMetadata snapshot,
      Instant now,
      Map<String, Long> seen,
      List<SignedTarget> signed,
      List<String> unusable)
      throws TufException {
    record Pending(SignedMetadata parent, List<String> parentPaths, int depth) {}
    Deque<Pending> queue = new ArrayDeque<>();
    queue.add(new Pending(targets, List.of(""), 0));
    JsonNode snapshotMeta = meta(snapshot);
    int visited = 0;
    while (!queue.isEmpty()) {
      Pending p = queue.poll();
      JsonNode delegations = p.parent().signed().get("delegations");
      if (delegations == null || delegations.isNull()) {
        continue;
      }
      String parentName = roleName(p.parent());
      UntrustedJson doc = p.parent().doc();
      Map<String, TufKey> keys;
      List<Role> roles;
      try {
        keys =
            keys(
                p.parent(),
                doc.object(delegations, "keys", "signed.delegations"),
                "signed.delegations.keys");
        roles = delegatedRoles(doc, delegations, parentName);
      } catch (MalformedJsonException e) {
        throw new TufException(TufException.Reason.MALFORMED, e.getMessage());
      }
      for (Role role : roles) {
        if (++visited > MAX_DELEGATED_ROLES) {
          throw new TufException(
              TufException.Reason.MALFORMED,
              gun + ": more than " + MAX_DELEGATED_ROLES + " delegated roles");
        }
        if (!snapshotMeta.has(role.name())) {
          continue; // delegated but nothing published yet
        }
        try {
          SignedMetadata m = fetchPinned(gun, role.name(), "Targets", snapshot, MAX_ROLE_BYTES);
          List<TufKey> signers = verifySignatures(m, role, keys);
          checkFresh(gun, m, now, seen);
          List<String> paths = narrow(p.parentPaths(), role.paths());
          signed.addAll(targetEntries(m, role.name(), paths, signers));
          if (p.depth() + 1 < MAX_DELEGATION_DEPTH) {
            queue.add(new Pending(m, paths, p.depth() + 1));
          }
        } catch (TufException e) {
          if (e.reason() == TufException.Reason.UNAVAILABLE) {
            throw e;
          }
          unusable.add(role.name() + ": " + e.getMessage());
        }
      }
    }
  }

  private static String roleName(SignedMetadata m) {
    String file = m.file();
    return file.substring(file.indexOf(' ') + 1, file.length() - ".json".length());
  }

  private static List<Role> delegatedRoles(UntrustedJson doc, JsonNode delegations, String parent)
      throws MalformedJsonException {
    List<Role> out = new ArrayList<>();
    JsonNode roles = doc.array(delegations, "roles", "signed.delegations");
    for (int i = 0; i < roles.size(); i++) {
      String at = "signed.delegations.roles[" + i + "]";
      JsonNode r = roles.get(i);
      String name = doc.text(r, "name", at);
      String rest = name.startsWith(parent + "/") ? name.substring(parent.length() + 1) : "";
      if (rest.isEmpty() || rest.contains("/") || !rest.matches("[A-Za-z0-9_.-]+")) {
        throw doc.error(at + ".name", "'" + name + "' is not a direct child role of " + parent);
      }
      int threshold = (int) doc.integer(r, "threshold", at, 1, 64);
      List<String> keyIds = doc.texts(r, "keyids", at);
      List<String> paths = r.has("paths") ? doc.texts(r, "paths", at, true) : List.of();
      out.add(new Role(name, keyIds, threshold, paths));
    }
    return out;
  }

  /** The path prefixes a child may sign: those of its own within its parent's. */
  private static List<String> narrow(List<String> parent, List<String> child) {
    List<String> out = new ArrayList<>();
    for (String c : child) {
      if (parent.stream().anyMatch(c::startsWith)) {
        out.add(c);
      }
    }
    return out;
  }

  private SignedMetadata fetchPinned(
      String gun, String role, String type, SignedMetadata parent, long maxBytes)
      throws TufException {
    JsonNode entry = meta(parent).get(role);
    String file = gun + " " + role + ".json";
    if (entry == null || !entry.isObject()) {
      throw new TufException(
          TufException.Reason.MALFORMED, parent.file() + ": signed.meta has no entry for " + role);
    }
    UntrustedJson doc = parent.doc();
    long length;
    String sha256;
    try {
      length = doc.integer(entry, "length", "signed.meta." + role, 1, maxBytes);
      String at = "signed.meta." + role + ".hashes";
      sha256 =
          hex(
              doc.text(doc.object(entry, "hashes", "signed.meta." + role), "sha256", at),
              doc,
              at + ".sha256");
    } catch (MalformedJsonException e) {
      throw new TufException(TufException.Reason.MALFORMED, e.getMessage());
    }
    byte[] raw = source.fetch(gun, role, Optional.of(sha256), length);
    checkHashes(doc, entry, "signed.meta." + role, raw, file);
    return SignedMetadata.parse(raw, file, type);
  }

  private static String hex(String base64, UntrustedJson doc, String at)
      throws MalformedJsonException {
    byte[] h;
    try {
      h = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw doc.error(at, "is not base64");
    }
    if (h.length != 32) {
      throw doc.error(at, "is not a SHA-256 hash");
    }
    return HexFormat.of().formatHex(h);
  }

  /** The file must have exactly the length and every hash its parent lists. */
  private static void checkHashes(
      UntrustedJson doc, JsonNode entry, String at, byte[] raw, String file) throws TufException {
    JsonNode length = entry.get("length");
    if (length != null && length.canConvertToLong() && length.asLong() != raw.length) {
      throw new TufException(
          TufException.Reason.HASH_MISMATCH,
          file + " has " + raw.length + " bytes; " + doc.document() + " pins " + length.asLong());
    }
    JsonNode hashes = entry.get("hashes");
    if (hashes == null || !hashes.isObject() || !hashes.has("sha256")) {
      throw new TufException(
          TufException.Reason.MALFORMED, doc.document() + ": " + at + " has no sha256 hash");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = hashes.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> h = it.next();
      String algorithm =
          switch (h.getKey()) {
            case "sha256" -> "SHA-256";
            case "sha512" -> "SHA-512";
            default -> null;
          };
      if (algorithm == null) {
        continue;
      }
      byte[] expected;
      try {
        expected = Base64.getDecoder().decode(h.getValue().asText());
      } catch (IllegalArgumentException e) {
        throw new TufException(
            TufException.Reason.MALFORMED,
            doc.document() + ": " + at + ".hashes." + h.getKey() + " is not base64");
      }
      if (!MessageDigest.isEqual(expected, digest(algorithm, raw))) {
        throw new TufException(
            TufException.Reason.HASH_MISMATCH,
            file + " does not match its " + h.getKey() + " hash in " + doc.document());
      }
    }
  }

  private static JsonNode meta(SignedMetadata m) throws TufException {
    JsonNode meta = m.signed().get("meta");
    if (meta == null || !meta.isObject()) {
      throw new TufException(TufException.Reason.MALFORMED, m.file() + ": signed.meta is missing");
    }
    return meta;
  }

  private void checkFresh(String gun, SignedMetadata m, Instant now, Map<String, Long> seen)
      throws TufException {
    if (m.expires().isBefore(now)) {
      throw new TufException(
          TufException.Reason.EXPIRED,
          m.file() + " expired at " + m.expires() + " (version " + m.version() + ")");
    }
    String key = gun + "\u0000" + roleName(m);
    Long floor = versionFloors.get(key);
    if (floor != null && m.version() < floor) {
      throw new TufException(
          TufException.Reason.ROLLBACK,
          m.file()
              + " is version "
              + m.version()
              + ", older than version "
              + floor
              + " seen before (rollback)");
    }
    seen.merge(key, m.version(), Math::max);
  }

  /** The keys of a role that signed {@code m}, at least the role's threshold of distinct keys. */
  static List<TufKey> verifySignatures(SignedMetadata m, Role role, Map<String, TufKey> keys)
      throws TufException {
    Map<String, TufKey> valid = new LinkedHashMap<>(); // by canonical ID: one key counts once
    List<String> outsiders = new ArrayList<>();
    List<String> invalid = new ArrayList<>();
    for (SignedMetadata.Signature s : m.signatures()) {
      TufKey key = keys.get(s.keyId());
      if (!role.keyIds().contains(s.keyId()) || key == null) {
        outsiders.add(key == null ? s.keyId() : key.canonicalId());
        continue;
      }
      if (TufSignatures.verify(key, s.method(), s.value(), m.canonicalSigned())) {
        valid.putIfAbsent(key.canonicalId(), key);
      } else {
        invalid.add(key.canonicalId());
      }
    }
    if (valid.size() < role.threshold()) {
      StringBuilder msg =
          new StringBuilder(m.file())
              .append(": ")
              .append(valid.size())
              .append(" valid signature(s) by keys of role ")
              .append(role.name())
              .append(", threshold ")
              .append(role.threshold());
      if (!outsiders.isEmpty()) {
        msg.append("; signed by ")
            .append(String.join(", ", outsiders))
            .append(", not a key of the role");
      }
      if (!invalid.isEmpty()) {
        msg.append("; signature by ").append(String.join(", ", invalid)).append(" does not verify");
      }
      throw new TufException(TufException.Reason.THRESHOLD_NOT_MET, msg.toString());
    }
    return List.copyOf(valid.values());
  }

  private static Map<String, TufKey> keys(SignedMetadata m, JsonNode keysNode, String at)
      throws TufException {
    if (keysNode == null || !keysNode.isObject()) {
      throw new TufException(TufException.Reason.MALFORMED, m.file() + ": " + at + " is missing");
    }
    Map<String, TufKey> out = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = keysNode.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), TufKey.parse(e.getKey(), e.getValue(), m.doc(), at + "." + e.getKey()));
    }
    return out;
  }

  private static Map<String, Role> topRoles(SignedMetadata root) throws TufException {
    UntrustedJson doc = root.doc();
    Map<String, Role> roles = new HashMap<>();
    try {
      JsonNode node = doc.object(root.signed(), "roles", "signed");
      for (String name : TOP_ROLES) {
        String at = "signed.roles";
        JsonNode r = doc.object(node, name, at);
        roles.put(
            name,
            new Role(
                name,
                doc.texts(r, "keyids", at + "." + name),
                (int) doc.integer(r, "threshold", at + "." + name, 1, 64),
                List.of()));
      }
    } catch (MalformedJsonException e) {
      throw new TufException(TufException.Reason.MALFORMED, e.getMessage());
    }
    return roles;
  }

  private static List<SignedTarget> targetEntries(
      SignedMetadata m, String role, List<String> paths, List<TufKey> signers) throws TufException {
    UntrustedJson doc = m.doc();
    List<SignedTarget> out = new ArrayList<>();
    try {
      JsonNode targets = doc.object(m.signed(), "targets", "signed");
      for (Iterator<Map.Entry<String, JsonNode>> it = targets.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String name = e.getKey();
        if (paths.stream().noneMatch(name::startsWith)) {
          continue; // outside what this role was delegated
        }
        String at = "signed.targets." + name;
        JsonNode hashes = doc.object(e.getValue(), "hashes", at);
        String sha256 = hex(doc.text(hashes, "sha256", at + ".hashes"), doc, at + ".hashes.sha256");
        long length = doc.integer(e.getValue(), "length", at, 0, Long.MAX_VALUE);
        out.add(new SignedTarget(name, role, "sha256:" + sha256, length, signers));
      }
    } catch (MalformedJsonException e) {
      throw new TufException(TufException.Reason.MALFORMED, e.getMessage());
    }
    return out;
  }

  private static byte[] digest(String algorithm, byte[] data) {
    try {
      return MessageDigest.getInstance(algorithm).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
