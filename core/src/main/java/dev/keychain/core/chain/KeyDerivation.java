package dev.keychain.core.chain;

import dev.keychain.core.crypto.Encoder;
import dev.keychain.core.crypto.Hkdf;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;

/**
 * The key chain's derivations (DESIGN.md section 3, seed 000 equation 3, with HKDF-SHA256):
 *
 * <pre>
 *   Sk  random 256 bits                                     (session key; H(Sk) = session number)
 *   Gk = HKDF(salt "root",  ikm Sk, info chain | rootEpoch)                              256 bits
 *   GS = HKDF(salt "group", ikm Gk, info chain | rootEpoch | group | groupEpoch)         256 bits
 *   Ak = HKDF(salt "agent", ikm GS, info chain | group | groupEpoch | agent | agentEpoch | bits)
 * </pre>
 *
 * Every field is length-prefixed ({@link Encoder}), so no two coordinate lists collide. Rotation of
 * a node is an increment of its epoch, which changes its key and every key below it. Each derived
 * key carries a binding: HMAC under a MAC key derived from its parent, over the child's level,
 * coordinates, epoch, creation time and key ID, so that whoever holds the parent can check that the
 * child's metadata is authentic (the paper's GMAC and AMAC).
 */
public final class KeyDerivation {
  static final byte[] SALT_ROOT = label("keychain.dev/v1/root-key");
  static final byte[] SALT_GROUP = label("keychain.dev/v1/group-key");
  static final byte[] SALT_AGENT = label("keychain.dev/v1/agent-key");
  static final byte[] SALT_BINDING = label("keychain.dev/v1/binding-key");

  private KeyDerivation() {}

  private static byte[] label(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A new random session key Sk for a chain. */
  public static ChainKey newSession(String chain, Instant now) {
    return session(chain, 0, now, SecretBytes.random(KeyLevel.SESSION.defaultLength()));
  }

  /** A session key restored from storage (e.g. unsealed from its envelope); takes ownership. */
  public static ChainKey session(String chain, long epoch, Instant createdAt, SecretBytes secret) {
    if (secret.length() != 32) {
      throw new IllegalArgumentException("session key must be 32 bytes, got " + secret.length());
    }
    return new ChainKey(
        KeyLevel.SESSION, KeyCoordinates.chain(chain), epoch, createdAt, null, null, secret);
  }

  /** Gk of {@code rootEpoch}, derived from the session key. */
  public static ChainKey root(ChainKey session, long rootEpoch, Instant now) {
    requireLevel(session, KeyLevel.SESSION);
    requireEpoch(rootEpoch);
    KeyCoordinates at = session.coordinates();
    byte[] info = Encoder.of("root").add(at.chain()).add(rootEpoch).toByteArray();
    return derive(session, KeyLevel.ROOT, at, rootEpoch, now, SALT_ROOT, info, 32);
  }

  /** GS of {@code group} at {@code groupEpoch}, derived from Gk. */
  public static ChainKey group(ChainKey root, String group, long groupEpoch, Instant now) {
    requireLevel(root, KeyLevel.ROOT);
    requireEpoch(groupEpoch);
    KeyCoordinates at = root.coordinates().group(group);
    byte[] info =
        Encoder.of("group")
            .add(at.chain())
            .add(root.epoch())
            .add(group)
            .add(groupEpoch)
            .toByteArray();
    return derive(root, KeyLevel.GROUP, at, groupEpoch, now, SALT_GROUP, info, 32);
  }

  /** Ak of one agent; see {@link SubKeyDeriver} for deriving many under one group key. */
  public static ChainKey agent(
      ChainKey groupKey, String agent, long agentEpoch, SubKeySize size, Instant now) {
    try (SubKeyDeriver deriver = new SubKeyDeriver(groupKey, size)) {
      return deriver.derive(agent, agentEpoch, now);
    }
  }

  /** HKDF-info for an agent key; shared with {@link SubKeyDeriver}. */
  static byte[] agentInfo(
      KeyCoordinates group, long groupEpoch, String agent, long epoch, int bits) {
    return Encoder.of("agent")
        .add(group.chain())
        .add(group.group())
        .add(groupEpoch)
        .add(agent)
        .add(epoch)
        .add(bits)
        .toByteArray();
  }

  private static ChainKey derive(
      ChainKey parent,
      KeyLevel level,
      KeyCoordinates at,
      long epoch,
      Instant now,
      byte[] salt,
      byte[] info,
      int length) {
    byte[] okm =
        parent
            .secret(SecretAccess.grant())
            .apply(SecretAccess.grant(), ikm -> Hkdf.derive(salt, ikm, info, length));
    SecretBytes secret = SecretBytes.adopt(okm, SecretAccess.grant());
    KeyId childId = KeyId.of(level, secret);
    byte[] binding = binding(parent, level, at, epoch, now, childId);
    return new ChainKey(level, at, epoch, now, parent.keyId(), binding, secret);
  }

  /** The MAC by which {@code parent} vouches for a child's metadata. */
  static byte[] binding(
      ChainKey parent, KeyLevel level, KeyCoordinates at, long epoch, Instant createdAt, KeyId id) {
    byte[] macKey = bindingKey(parent);
    try {
      return Hkdf.hmac(macKey, bindingMessage(parent.keyId(), level, at, epoch, createdAt, id));
    } finally {
      Arrays.fill(macKey, (byte) 0);
    }
  }

  static byte[] bindingKey(ChainKey parent) {
    return parent
        .secret(SecretAccess.grant())
        .apply(
            SecretAccess.grant(),
            ikm -> Hkdf.derive(SALT_BINDING, ikm, label(parent.keyId().hex()), 32));
  }

  static byte[] bindingMessage(
      KeyId parentId, KeyLevel level, KeyCoordinates at, long epoch, Instant createdAt, KeyId id) {
    return Encoder.of("binding")
        .add(parentId.hex())
        .add(level.name())
        .add(at.chain())
        .add(at.group() == null ? "" : at.group())
        .add(at.agent() == null ? "" : at.agent())
        .add(epoch)
        .add(createdAt.toEpochMilli())
        .add(id.hex())
        .toByteArray();
  }

  /**
   * Whether {@code child} is authentically vouched for by {@code parent}: parent key ID and binding
   * MAC match (compared in constant time).
   */
  public static boolean verifyBinding(ChainKey parent, ChainKey child) {
    if (child.parentKeyId().isEmpty() || !child.parentKeyId().get().equals(parent.keyId())) {
      return false;
    }
    byte[] expected =
        binding(
            parent,
            child.level(),
            child.coordinates(),
            child.epoch(),
            child.createdAt(),
            child.keyId());
    return MessageDigest.isEqual(expected, child.binding().orElseThrow());
  }

  static void requireLevel(ChainKey key, KeyLevel level) {
    if (key.level() != level) {
      throw new IllegalArgumentException("expected a " + level + " key, got " + key);
    }
  }

  static void requireEpoch(long epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must not be negative, got " + epoch);
    }
  }
}
