package dev.keychain.core.auth;

import dev.keychain.core.chain.KeyLevel;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.envelope.AesGcm;
import dev.keychain.core.share.OneTimeKeys;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;

/**
 * The master's side of one handshake, a state machine: AWAITING_HELLO -> AWAITING_CONFIRM -> DONE,
 * or FAILED at the first error (after which every call fails). Not thread-safe; the endpoint keeps
 * one per session ID between the agent's two requests.
 */
public final class MasterHandshake extends HandshakeSide<MasterHandshake.State> {
  /** States of the master side. */
  public enum State {
    AWAITING_HELLO,
    AWAITING_CONFIRM,
    DONE,
    FAILED
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final MasterIdentity identity;
  private final ReplayCache replayCache;
  private final Clock clock;
  private final Duration skew;
  private Messages.AgentHello hello;
  private String sessionId;
  private byte[] th2;

  public MasterHandshake(
      MasterIdentity identity, ReplayCache replayCache, Clock clock, Duration skew) {
    super(State.AWAITING_HELLO, State.FAILED);
    this.identity = identity;
    this.replayCache = replayCache;
    this.clock = clock;
    this.skew = skew;
  }

  /** The session ID given in the master hello (to route the agent's confirm to this object). */
  public String sessionId() {
    return sessionId;
  }

  /** Checks the agent hello and answers it. */
  public Messages.MasterHello onHello(Messages.AgentHello agentHello) throws AuthFailure {
    expect(State.AWAITING_HELLO, "agent hello");
    try {
      Instant now = clock.instant();
      checkFreshness(agentHello.timestamp(), now, "agent hello");
      replayCache.record(Wire.unb64(agentHello.nonce(), "nonce", 32), now);
      X25519PrivateKeyParameters ephemeral = HandshakeCrypto.ephemeral();
      byte[] shared =
          HandshakeCrypto.agree(
              ephemeral,
              HandshakeCrypto.fromRaw(Wire.unb64(agentHello.ephemeralKey(), "ephemeralKey", 32)));
      byte[] sid = new byte[Messages.SESSION_ID_BYTES];
      byte[] nonce = new byte[Messages.NONCE_BYTES];
      RANDOM.nextBytes(sid);
      RANDOM.nextBytes(nonce);
      Messages.MasterHello unsigned =
          new Messages.MasterHello(
              Messages.VERSION,
              Wire.b64(sid),
              Wire.b64(HandshakeCrypto.raw(ephemeral)),
              Wire.b64(nonce),
              now.toEpochMilli(),
              identity.encodedChain(),
              Wire.b64(new byte[64]));
      byte[] th1 = HandshakeCrypto.transcript(agentHello, unsigned);
      byte[] signature = identity.sign(HandshakeCrypto.signedContent(th1));
      this.keys = HandshakeCrypto.schedule(shared, th1);
      this.th2 = HandshakeCrypto.transcriptWithSignature(th1, signature);
      this.hello = agentHello;
      this.sessionId = unsigned.sessionId();
      moveTo(State.AWAITING_CONFIRM);
      return new Messages.MasterHello(
          unsigned.v(),
          unsigned.sessionId(),
          unsigned.ephemeralKey(),
          unsigned.nonce(),
          unsigned.timestamp(),
          unsigned.certificates(),
          Wire.b64(signature));
    } catch (AuthFailure e) {
      fail();
      throw e;
    }
  }

  /**
   * Verifies the agent's key confirmation, asks the decider, and grants the sub key.
   *
   * @throws AuthFailure MAC_MISMATCH, or the decider's refusal
   */
  public Messages.KeyGrant onConfirm(Messages.AgentConfirm confirm, GrantDecider decider)
      throws AuthFailure {
    return confirm(confirm, decider, this::sealKey);
  }

  /**
   * As {@link #onConfirm}, for an agent that asked for shares: the key grant and the decider's
   * share versions, each one-time key encrypted under the session's grant key, in one MACed bundle.
   */
  public Messages.GrantBundle onConfirmWithShares(
      Messages.AgentConfirm confirm, GrantDecider decider) throws AuthFailure {
    return confirm(confirm, decider, this::sealBundle);
  }

  private <T> T confirm(
      Messages.AgentConfirm confirm,
      GrantDecider decider,
      java.util.function.Function<GrantDecider.Grant, T> sealer)
      throws AuthFailure {
    expect(State.AWAITING_CONFIRM, "agent confirm");
    try {
      if (!confirm.sessionId().equals(sessionId)) {
        throw new AuthFailure(AuthFailure.Reason.UNEXPECTED_MESSAGE, "confirm for another session");
      }
      byte[] expected = HandshakeCrypto.agentConfirmMac(keys, th2);
      if (!MessageDigest.isEqual(expected, Wire.unb64(confirm.mac(), "mac", 32))) {
        throw new AuthFailure(
            AuthFailure.Reason.MAC_MISMATCH,
            "agent key confirmation does not verify (keys differ: tampering or a man in the middle)");
      }
      GrantDecider.Grant grant = decider.decide(hello.token());
      try {
        T sealed = sealer.apply(grant);
        wipe();
        moveTo(State.DONE);
        return sealed;
      } finally {
        grant.destroy();
      }
    } catch (AuthFailure e) {
      // Keep the session keys: the refusal is MACed with them.
      moveTo(State.FAILED);
      throw e;
    }
  }

  /** A refusal for {@code failure}, MACed if the session keys exist. Ends the handshake. */
  public Messages.Refusal refusal(AuthFailure failure) {
    String mac =
        keys == null
            ? null
            : Wire.b64(
                HandshakeCrypto.refusalMac(
                    keys, th2, failure.reason().name(), truncate(failure.detail())));
    Messages.Refusal refusal =
        new Messages.Refusal(
            Messages.VERSION, sessionId, failure.reason().name(), truncate(failure.detail()), mac);
    wipe();
    moveTo(State.FAILED);
    return refusal;
  }

  private Messages.GrantBundle sealBundle(GrantDecider.Grant grant) {
    Messages.KeyGrant keyGrant = sealKey(grant);
    List<Messages.ShareGrant> shares = new ArrayList<>();
    for (GrantDecider.ShareDelivery d : grant.shares()) {
      shares.add(sealShare(d, keyGrant.mac()));
    }
    Messages.GrantBundle unsigned =
        new Messages.GrantBundle(
            Messages.VERSION, keyGrant, shares, grant.withheld(), Wire.b64(new byte[32]));
    return new Messages.GrantBundle(
        Messages.VERSION,
        keyGrant,
        shares,
        grant.withheld(),
        Wire.b64(HandshakeCrypto.bundleMac(keys, th2, unsigned)));
  }

  private Messages.ShareGrant sealShare(GrantDecider.ShareDelivery d, String grantMac) {
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    var b = d.binding();
    Messages.ShareGrant metadata =
        new Messages.ShareGrant(
            b.namespace(),
            b.share(),
            b.owner(),
            b.version(),
            b.recipients(),
            OneTimeKeys.keyId(d.oneTimeKey()).hex(),
            Wire.b64(nonce),
            Wire.b64(new byte[OneTimeKeys.LENGTH + 16]),
            d.item().encode());
    byte[] aad = HandshakeCrypto.shareAssociatedData(th2, grantMac, metadata);
    byte[] ciphertext =
        d.oneTimeKey()
            .apply(SecretAccess.grant(), otk -> AesGcm.encrypt(null, grantKey(), nonce, otk, aad));
    return new Messages.ShareGrant(
        b.namespace(),
        b.share(),
        b.owner(),
        b.version(),
        b.recipients(),
        metadata.keyId(),
        metadata.nonce(),
        Wire.b64(ciphertext),
        metadata.item());
  }

  private SecretKeySpec grantKey() {
    return new SecretKeySpec(keys.grant(), "AES");
  }

  private Messages.KeyGrant sealKey(GrantDecider.Grant grant) {
    var key = grant.subKey();
    if (key.level() != KeyLevel.AGENT) {
      throw new IllegalArgumentException("only agent sub keys are granted, not " + key.level());
    }
    Instant now = clock.instant();
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    Messages.KeyGrant metadata =
        new Messages.KeyGrant(
            Messages.VERSION,
            sessionId,
            key.coordinates().chain(),
            key.coordinates().group(),
            key.coordinates().agent(),
            key.keyId().hex(),
            grant.epochs().rootEpoch(),
            grant.epochs().groupEpoch(),
            grant.epochs().agentEpoch(),
            now.toEpochMilli(),
            grant.expiresAt().toEpochMilli(),
            Wire.b64(nonce),
            Wire.b64(new byte[key.lengthBytes() + 16]),
            Wire.b64(new byte[32]));
    byte[] ciphertext =
        key.secret(SecretAccess.grant())
            .apply(
                SecretAccess.grant(),
                plain -> {
                  try {
                    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                    cipher.init(
                        Cipher.ENCRYPT_MODE,
                        new SecretKeySpec(keys.grant(), "AES"),
                        new GCMParameterSpec(128, nonce));
                    cipher.updateAAD(HandshakeCrypto.grantAssociatedData(th2, metadata));
                    return cipher.doFinal(plain);
                  } catch (java.security.GeneralSecurityException e) {
                    throw new IllegalStateException("cannot encrypt key grant", e);
                  }
                });
    Messages.KeyGrant withCiphertext =
        withCiphertext(metadata, Wire.b64(ciphertext), metadata.mac());
    byte[] mac = HandshakeCrypto.grantMac(keys, th2, withCiphertext);
    return withCiphertext(withCiphertext, withCiphertext.ciphertext(), Wire.b64(mac));
  }

  private static Messages.KeyGrant withCiphertext(Messages.KeyGrant g, String ct, String mac) {
    return new Messages.KeyGrant(
        g.v(),
        g.sessionId(),
        g.chain(),
        g.group(),
        g.agent(),
        g.keyId(),
        g.rootEpoch(),
        g.groupEpoch(),
        g.agentEpoch(),
        g.issuedAt(),
        g.expiresAt(),
        g.nonce(),
        ct,
        mac);
  }

  private void checkFreshness(long timestamp, Instant now, String what) throws AuthFailure {
    long drift = Math.abs(now.toEpochMilli() - timestamp);
    if (drift > skew.toMillis()) {
      throw new AuthFailure(
          AuthFailure.Reason.STALE_TIMESTAMP,
          what
              + " timestamp is "
              + drift
              + " ms away from the master's clock (allowed skew "
              + skew.toMillis()
              + " ms)");
    }
  }

  private static String truncate(String s) {
    return s.length() > 1024 ? s.substring(0, 1021) + "..." : s;
  }
}
