package dev.keychain.core.auth;

import dev.keychain.core.crypto.Encoder;
import dev.keychain.core.crypto.Hashes;
import dev.keychain.core.crypto.Hkdf;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;

/**
 * The handshake's cryptography, shared by both sides: X25519 ephemeral keys, the transcript hash,
 * the key schedule and the MACs. See {@code core/README.md} for the protocol.
 */
final class HandshakeCrypto {
  /** DER prefix of an X.509 SubjectPublicKeyInfo for X25519; the raw key follows. */
  private static final byte[] X25519_SPKI_PREFIX =
      HexFormat.of().parseHex("302a300506032b656e032100");

  private static final byte[] SCHEDULE_INFO =
      "keychain.dev/v1/session-keys".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private HandshakeCrypto() {}

  static KeyPair ephemeral() {
    try {
      return KeyPairGenerator.getInstance("X25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 unavailable", e);
    }
  }

  static byte[] raw(PublicKey key) {
    byte[] der = key.getEncoded();
    return Arrays.copyOfRange(der, der.length - 32, der.length);
  }

  static PublicKey fromRaw(byte[] raw) throws AuthFailure {
    byte[] der = new byte[X25519_SPKI_PREFIX.length + 32];
    System.arraycopy(X25519_SPKI_PREFIX, 0, der, 0, X25519_SPKI_PREFIX.length);
    System.arraycopy(raw, 0, der, X25519_SPKI_PREFIX.length, 32);
    try {
      return KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new AuthFailure(AuthFailure.Reason.MALFORMED, "ephemeral key is not an X25519 key");
    }
  }

  /** X25519 shared secret; rejects the all-zero result of a low-order peer key. */
  static byte[] agree(KeyPair own, PublicKey peer) throws AuthFailure {
    try {
      KeyAgreement agreement = KeyAgreement.getInstance("X25519");
      agreement.init(own.getPrivate());
      agreement.doPhase(peer, true);
      byte[] shared = agreement.generateSecret();
      int acc = 0;
      for (byte b : shared) {
        acc |= b;
      }
      if (acc == 0) {
        throw new AuthFailure(AuthFailure.Reason.MALFORMED, "ephemeral key has low order");
      }
      return shared;
    } catch (GeneralSecurityException e) {
      throw new AuthFailure(
          AuthFailure.Reason.MALFORMED, "key agreement failed: " + e.getClass().getSimpleName());
    }
  }

  /**
   * th1 = SHA-256 over both hellos (the master's without its signature). Every field is
   * length-prefixed; the token enters as its hash.
   */
  static byte[] transcript(Messages.AgentHello a, Messages.MasterHello m) {
    return Hashes.sha256(
        Encoder.of("keychain.dev/v1/handshake")
            .add(a.v())
            .add(Hashes.sha256(a.token().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
            .add(a.ephemeralKey())
            .add(a.nonce())
            .add(a.timestamp())
            .add(m.sessionId())
            .add(m.ephemeralKey())
            .add(m.nonce())
            .add(m.timestamp())
            .add(String.join(",", m.certificates()))
            .toByteArray());
  }

  /** What the master signs. */
  static byte[] signedContent(byte[] th1) {
    return Encoder.of("keychain.dev/v1/master-signature").add(th1).toByteArray();
  }

  /** th2 = SHA-256(th1 | signature): everything both sides have seen once the hellos are done. */
  static byte[] transcriptWithSignature(byte[] th1, byte[] signature) {
    return Hashes.sha256(Encoder.of("keychain.dev/v1/th2").add(th1).add(signature).toByteArray());
  }

  /** The three session keys, from the shared secret with the transcript as salt. */
  static SessionKeys schedule(byte[] shared, byte[] th1) {
    byte[] okm = Hkdf.derive(th1, shared, SCHEDULE_INFO, 96);
    try {
      return new SessionKeys(
          Arrays.copyOfRange(okm, 0, 32),
          Arrays.copyOfRange(okm, 32, 64),
          Arrays.copyOfRange(okm, 64, 96));
    } finally {
      Arrays.fill(okm, (byte) 0);
      Arrays.fill(shared, (byte) 0);
    }
  }

  /** Session keys: agent confirmation MAC key, master confirmation MAC key, grant AEAD key. */
  record SessionKeys(byte[] agentConfirm, byte[] masterConfirm, byte[] grant) {
    void wipe() {
      Arrays.fill(agentConfirm, (byte) 0);
      Arrays.fill(masterConfirm, (byte) 0);
      Arrays.fill(grant, (byte) 0);
    }
  }

  static byte[] agentConfirmMac(SessionKeys keys, byte[] th2) {
    return Hkdf.hmac(keys.agentConfirm(), Encoder.of("agent-confirm").add(th2).toByteArray());
  }

  static byte[] grantAssociatedData(byte[] th2, Messages.KeyGrant g) {
    return Encoder.of("key-grant")
        .add(th2)
        .add(g.sessionId())
        .add(g.chain())
        .add(g.group())
        .add(g.agent())
        .add(g.keyId())
        .add(g.rootEpoch())
        .add(g.groupEpoch())
        .add(g.agentEpoch())
        .add(g.issuedAt())
        .add(g.expiresAt())
        .add(g.nonce())
        .toByteArray();
  }

  static byte[] grantMac(SessionKeys keys, byte[] th2, Messages.KeyGrant g) {
    return Hkdf.hmac(
        keys.masterConfirm(),
        Encoder.of("grant-mac").add(grantAssociatedData(th2, g)).add(g.ciphertext()).toByteArray());
  }

  static byte[] refusalMac(SessionKeys keys, byte[] th2, String reason, String message) {
    return Hkdf.hmac(
        keys.masterConfirm(),
        Encoder.of("refusal").add(th2).add(reason).add(message).toByteArray());
  }
}
