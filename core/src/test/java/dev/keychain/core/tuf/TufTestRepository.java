package dev.keychain.core.tuf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.json.CanonicalJson;
import dev.keychain.core.keys.KeyIds;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Builds and signs TUF metadata in notary's format with Ed25519 keys, so that tests can make every
 * kind of bad trust data (which the real notary CLI refuses to publish) and serve it.
 */
final class TufTestRepository {
  static final ObjectMapper JSON = new ObjectMapper();

  /** An Ed25519 key with its notary key ID. */
  record Key(Ed25519PrivateKeyParameters priv, String publicB64, String id) {
    static Key generate() {
      Ed25519PrivateKeyParameters p = new Ed25519PrivateKeyParameters(new SecureRandom());
      String pub = Base64.getEncoder().encodeToString(p.generatePublicKey().getEncoded());
      return new Key(p, pub, KeyIds.notaryId("ed25519", pub));
    }

    ObjectNode json() {
      ObjectNode k = JSON.createObjectNode().put("keytype", "ed25519");
      k.putObject("keyval").putNull("private").put("public", publicB64);
      return k;
    }

    String sign(byte[] message) {
      Ed25519Signer s = new Ed25519Signer();
      s.init(true, priv);
      s.update(message, 0, message.length);
      return Base64.getEncoder().encodeToString(s.generateSignature());
    }
  }

  final Key root = Key.generate();
  final Key targets = Key.generate();
  final Key snapshot = Key.generate();
  final Key timestamp = Key.generate();
  final Map<String, byte[]> files = new HashMap<>();
  Instant expires = Instant.now().plusSeconds(3600);
  int version = 1;

  /** {@code role.json} signed by {@code signers}; {@code signed} gets version and expiry. */
  byte[] sign(ObjectNode signed, List<Key> signers) throws Exception {
    signed.put("version", version).put("expires", expires.toString());
    ObjectNode doc = JSON.createObjectNode();
    doc.set("signed", signed);
    ArrayNode sigs = doc.putArray("signatures");
    byte[] canonical = CanonicalJson.encode(signed);
    for (Key k : signers) {
      sigs.addObject().put("keyid", k.id()).put("method", "eddsa").put("sig", k.sign(canonical));
    }
    return JSON.writeValueAsBytes(doc);
  }

  ObjectNode rootSigned() {
    ObjectNode s = JSON.createObjectNode().put("_type", "Root").put("consistent_snapshot", false);
    ObjectNode keys = s.putObject("keys");
    ObjectNode roles = s.putObject("roles");
    for (var e :
        Map.of("root", root, "targets", targets, "snapshot", snapshot, "timestamp", timestamp)
            .entrySet()) {
      keys.set(e.getValue().id(), e.getValue().json());
      ObjectNode r = roles.putObject(e.getKey()).put("threshold", 1);
      r.putArray("keyids").add(e.getValue().id());
    }
    return s;
  }

  static ObjectNode targetsSigned(Map<String, String> targetDigests) {
    ObjectNode s = JSON.createObjectNode().put("_type", "Targets");
    ObjectNode t = s.putObject("targets");
    targetDigests.forEach(
        (name, digest) -> {
          ObjectNode e = t.putObject(name).put("length", 100);
          e.putObject("hashes")
              .put(
                  "sha256",
                  Base64.getEncoder().encodeToString(HexFormat.of().parseHex(digest.substring(7))));
        });
    ObjectNode d = s.putObject("delegations");
    d.putObject("keys");
    d.putArray("roles");
    return s;
  }

  static void delegate(
      ObjectNode targetsSigned, String role, int threshold, List<String> paths, Key... keys) {
    ObjectNode d = (ObjectNode) targetsSigned.get("delegations");
    ArrayNode ids = JSON.createArrayNode();
    for (Key k : keys) {
      ((ObjectNode) d.get("keys")).set(k.id(), k.json());
      ids.add(k.id());
    }
    ObjectNode r =
        ((ArrayNode) d.get("roles")).addObject().put("name", role).put("threshold", threshold);
    r.set("keyids", ids);
    paths.forEach(r.putArray("paths")::add);
  }

  /** Publishes root, the given targets files, then snapshot and timestamp over them. */
  void publish(byte[] rootFile, Map<String, byte[]> roleFiles) throws Exception {
    files.put("root", rootFile);
    files.putAll(roleFiles);
    ObjectNode snap = JSON.createObjectNode().put("_type", "Snapshot");
    ObjectNode meta = snap.putObject("meta");
    meta.set("root", metaEntry(rootFile));
    roleFiles.forEach((role, bytes) -> meta.set(role, metaEntry(bytes)));
    byte[] snapshotFile = sign(snap, List.of(snapshot));
    files.put("snapshot", snapshotFile);
    ObjectNode ts = JSON.createObjectNode().put("_type", "Timestamp");
    ts.putObject("meta").set("snapshot", metaEntry(snapshotFile));
    files.put("timestamp", sign(ts, List.of(timestamp)));
  }

  void publish(Map<String, String> targetDigests) throws Exception {
    publish(
        sign(rootSigned(), List.of(root)),
        Map.of("targets", sign(targetsSigned(targetDigests), List.of(targets))));
  }

  static ObjectNode metaEntry(byte[] bytes) {
    ObjectNode e = JSON.createObjectNode().put("length", bytes.length);
    try {
      e.putObject("hashes")
          .put(
              "sha256",
              Base64.getEncoder()
                  .encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes)));
    } catch (Exception ex) {
      throw new IllegalStateException(ex);
    }
    return e;
  }

  MetadataSource source() {
    return (gun, role, hash, max) -> {
      byte[] b = files.get(role);
      if (b == null) {
        throw new TufException(TufException.Reason.NOT_FOUND, gun + ": no " + role + ".json");
      }
      return b;
    };
  }
}
