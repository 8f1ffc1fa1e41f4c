package dev.keychain.core.auth;

import dev.keychain.core.crypto.Encoder;
import dev.keychain.core.crypto.Hashes;
import dev.keychain.core.crypto.Hkdf;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

/**
 * The handshake's cryptography, shared by both sides: X25519 ephemeral keys, the transcript hash,
 * the key schedule and the MACs. See {@code core/README.md} for the protocol.
 */
final class HandshakeCrypto {
  private static final byte[] SCHEDULE_INFO =
      "keychain.dev/v1/session-keys".getBytes(java.nio.charset.StandardCharsets.UTF_8);
  private static final SecureRandom RANDOM = new SecureRandom();

  private HandshakeCrypto() {}

  /**
   * An ephemeral X25519 key pair. BouncyCastle's RFC 7748 code is used rather than the JDK's XDH
   * provider because it is several times faster, and the handshake rate is a target.
   */
  static X25519PrivateKeyParameters ephemeral() {
    return new X25519PrivateKeyParameters(RANDOM);
  }

  static byte[] raw(X25519PrivateKeyParameters key) {
    return key.generatePublicKey().getEncoded();
  }

  static X25519PublicKeyParameters fromRaw(byte[] raw) throws AuthFailure {
    if (raw.length != X25519PublicKeyParameters.KEY_SIZE) {
      throw new AuthFailure(AuthFailure.Reason.MALFORMED, "ephemeral key is not an X25519 key");
    }
    return new X25519PublicKeyParameters(raw, 0);
  }

  /** X25519 shared secret; rejects the all-zero result of a low-order peer key. */
  static byte[] agree(X25519PrivateKeyParameters own, X25519PublicKeyParameters peer)
      throws AuthFailure {
    X25519Agreement agreement = new X25519Agreement();
    agreement.init(own);
    byte[] shared = new byte[agreement.getAgreementSize()];
    try {
      agreement.calculateAgreement(peer, shared, 0);
    } catch (IllegalStateException e) {
      // BouncyCastle refuses an all-zero agreement (a low-order peer key).
      throw new AuthFailure(AuthFailure.Reason.MALFORMED, "ephemeral key has low order");
    }
    return shared;
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

  /**
   * What a share's one-time key is encrypted with as associated data: the session, the key grant it
   * rides with (by its MAC) and every public field of the share.
   */
  static byte[] shareAssociatedData(byte[] th2, String grantMac, Messages.ShareGrant s) {
    Encoder e =
        Encoder.of("share-grant")
            .add(th2)
            .add(grantMac)
            .add(s.namespace())
            .add(s.share())
            .add(s.owner())
            .add(s.version())
            .add(s.recipients().size());
    s.recipients().forEach(e::add);
    return e.add(s.keyId()).add(s.nonce()).add(s.item()).toByteArray();
  }

  /** The master's MAC over a bundle: the key grant, every share in order, the withheld names. */
  static byte[] bundleMac(SessionKeys keys, byte[] th2, Messages.GrantBundle b) {
    Encoder e = Encoder.of("grant-bundle").add(th2).add(b.grant().mac()).add(b.shares().size());
    for (Messages.ShareGrant s : b.shares()) {
      e.add(shareAssociatedData(th2, b.grant().mac(), s)).add(s.ciphertext());
    }
    e.add(b.withheld().size());
    b.withheld().forEach(e::add);
    return Hkdf.hmac(keys.masterConfirm(), e.toByteArray());
  }

  static byte[] refusalMac(SessionKeys keys, byte[] th2, String reason, String message) {
    return Hkdf.hmac(
        keys.masterConfirm(),
        Encoder.of("refusal").add(th2).add(reason).add(message).toByteArray());
  }
}
