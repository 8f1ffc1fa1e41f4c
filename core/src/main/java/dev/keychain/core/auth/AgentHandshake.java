package dev.keychain.core.auth;

import dev.keychain.core.chain.KeyId;
import dev.keychain.core.chain.KeyLevel;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.envelope.AesGcm;
import dev.keychain.core.envelope.EnvelopeException;
import dev.keychain.core.share.OneTimeKeys;
import dev.keychain.core.share.SealedItem;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;

/**
 * The agent's side of one handshake, a state machine: NEW -> HELLO_SENT -> CONFIRMED -> GRANTED, or
 * FAILED at the first error. Not thread-safe.
 */
public final class AgentHandshake extends HandshakeSide<AgentHandshake.State> {
  /** States of the agent side. */
  public enum State {
    NEW,
    HELLO_SENT,
    CONFIRMED,
    GRANTED,
    FAILED
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String identityToken;
  private final MasterTrust trust;
  private final Clock clock;
  private final Duration skew;
  private final Optional<SubKeyEpochs> heldEpochs;
  private X25519PrivateKeyParameters ephemeral;
  private Messages.AgentHello hello;
  private String sessionId;
  private byte[] th1;
  private byte[] th2;

  /**
   * @param heldEpochs the epochs of the key the agent holds now, if any: an older grant is refused
   *     as a rollback
   */
  public AgentHandshake(
      String identityToken,
      MasterTrust trust,
      Clock clock,
      Duration skew,
      Optional<SubKeyEpochs> heldEpochs) {
    super(State.NEW, State.FAILED);
    this.identityToken = identityToken;
    this.trust = trust;
    this.clock = clock;
    this.skew = skew;
    this.heldEpochs = heldEpochs;
  }

  public Messages.AgentHello start() throws AuthFailure {
    expect(State.NEW, "start");
    ephemeral = HandshakeCrypto.ephemeral();
    byte[] nonce = new byte[Messages.NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      hello =
          new Messages.AgentHello(
              Messages.VERSION,
              identityToken,
              Wire.b64(HandshakeCrypto.raw(ephemeral)),
              Wire.b64(nonce),
              clock.millis());
    } catch (IllegalArgumentException e) {
      moveTo(State.FAILED);
      throw new AuthFailure(AuthFailure.Reason.MALFORMED, "cannot build hello: " + e.getMessage());
    }
    moveTo(State.HELLO_SENT);
    return hello;
  }

  /**
   * Verifies the master: freshness, certificate chain, signature; answers with key confirmation.
   */
  public Messages.AgentConfirm onMasterHello(Messages.MasterHello masterHello) throws AuthFailure {
    expect(State.HELLO_SENT, "master hello");
    try {
      Instant now = clock.instant();
      long drift = Math.abs(now.toEpochMilli() - masterHello.timestamp());
      if (drift > skew.toMillis()) {
        throw new AuthFailure(
            AuthFailure.Reason.STALE_TIMESTAMP,
            "master hello timestamp is "
                + drift
                + " ms away from the agent's clock (allowed "
                + skew.toMillis()
                + " ms)");
      }
      th1 = HandshakeCrypto.transcript(hello, masterHello);
      byte[] signature = Wire.unb64(masterHello.signature(), "signature", -1);
      trust.verify(masterHello.certificates(), HandshakeCrypto.signedContent(th1), signature, now);
      byte[] shared =
          HandshakeCrypto.agree(
              ephemeral,
              HandshakeCrypto.fromRaw(Wire.unb64(masterHello.ephemeralKey(), "ephemeralKey", 32)));
      keys = HandshakeCrypto.schedule(shared, th1);
      th2 = HandshakeCrypto.transcriptWithSignature(th1, signature);
      sessionId = masterHello.sessionId();
      moveTo(State.CONFIRMED);
      return new Messages.AgentConfirm(
          Messages.VERSION, sessionId, Wire.b64(HandshakeCrypto.agentConfirmMac(keys, th2)));
    } catch (AuthFailure e) {
      fail();
      throw e;
    }
  }

  /** Verifies and decrypts the grant. The caller owns (and must destroy) the returned key. */
  public GrantedKey onGrant(Messages.KeyGrant grant) throws AuthFailure {
    expect(State.CONFIRMED, "key grant");
    try {
      GrantedKey key = verify(grant);
      moveTo(State.GRANTED);
      wipe();
      return key;
    } catch (AuthFailure e) {
      fail();
      throw e;
    }
  }

  /** A verified bundle: the key, the shares served (the caller closes all) and those withheld. */
  public record Granted(GrantedKey key, List<GrantedShare> shares, List<String> withheld) {}

  /**
   * Verifies a grant bundle (its MAC first, then the key grant, then each share: its one-time key
   * decrypts under the session, has the announced ID and opens the item) and returns its contents.
   */
  public Granted onBundle(Messages.GrantBundle bundle) throws AuthFailure {
    expect(State.CONFIRMED, "grant bundle");
    List<GrantedShare> shares = new ArrayList<>();
    GrantedKey key = null;
    try {
      byte[] mac = HandshakeCrypto.bundleMac(keys, th2, bundle);
      if (!MessageDigest.isEqual(mac, Wire.unb64(bundle.mac(), "mac", 32))) {
        throw new AuthFailure(
            AuthFailure.Reason.MAC_MISMATCH,
            "grant bundle MAC does not verify (not from the master of this session, or altered)");
      }
      key = verify(bundle.grant());
      for (Messages.ShareGrant s : bundle.shares()) {
        shares.add(open(s, bundle.grant().mac()));
      }
      moveTo(State.GRANTED);
      wipe();
      return new Granted(key, List.copyOf(shares), bundle.withheld());
    } catch (AuthFailure e) {
      shares.forEach(GrantedShare::close);
      if (key != null) {
        key.key().destroy();
      }
      fail();
      throw e;
    }
  }

  private GrantedShare open(Messages.ShareGrant s, String grantMac) throws AuthFailure {
    byte[] plain;
    try {
      plain =
          AesGcm.decrypt(
              null,
              new SecretKeySpec(keys.grant(), "AES"),
              Wire.unb64(s.nonce(), "nonce", 12),
              Wire.unb64(s.ciphertext(), "ciphertext", -1),
              HandshakeCrypto.shareAssociatedData(th2, grantMac, s),
              "one-time key of share " + s.id());
    } catch (EnvelopeException e) {
      throw new AuthFailure(AuthFailure.Reason.MAC_MISMATCH, e.getMessage());
    }
    SecretBytes otk = SecretBytes.adopt(plain, SecretAccess.grant());
    try {
      if (!OneTimeKeys.keyId(otk).hex().equals(s.keyId())) {
        throw new AuthFailure(
            AuthFailure.Reason.MAC_MISMATCH,
            "one-time key of share " + s.id() + " does not match its announced key ID");
      }
      SealedItem sealed = SealedItem.decode(s.item());
      byte[] item;
      try {
        item = sealed.open(otk, s.binding());
      } catch (EnvelopeException e) {
        throw new AuthFailure(
            AuthFailure.Reason.MAC_MISMATCH,
            "item of share " + s.id() + " v" + s.version() + " does not open under its key");
      }
      return new GrantedShare(
          s.binding(),
          KeyId.parse(s.keyId()),
          otk,
          sealed,
          SecretBytes.adopt(item, SecretAccess.grant()));
    } catch (AuthFailure e) {
      otk.destroy();
      throw e;
    }
  }

  private GrantedKey verify(Messages.KeyGrant grant) throws AuthFailure {
    if (!grant.sessionId().equals(sessionId)) {
      throw new AuthFailure(AuthFailure.Reason.UNEXPECTED_MESSAGE, "grant for another session");
    }
    byte[] mac = HandshakeCrypto.grantMac(keys, th2, grant);
    if (!MessageDigest.isEqual(mac, Wire.unb64(grant.mac(), "mac", 32))) {
      throw new AuthFailure(
          AuthFailure.Reason.MAC_MISMATCH,
          "key grant MAC does not verify (not from the master of this session, or altered)");
    }
    Instant now = clock.instant();
    long drift = Math.abs(now.toEpochMilli() - grant.issuedAt());
    if (drift > skew.toMillis()) {
      throw new AuthFailure(
          AuthFailure.Reason.STALE_TIMESTAMP,
          "key grant issued " + drift + " ms away from the agent's clock");
    }
    SubKeyEpochs epochs =
        new SubKeyEpochs(grant.rootEpoch(), grant.groupEpoch(), grant.agentEpoch());
    if (heldEpochs.isPresent() && epochs.isOlderThan(heldEpochs.get())) {
      throw new AuthFailure(
          AuthFailure.Reason.WRONG_EPOCH,
          "granted key is at epochs "
              + epochs
              + ", older than the held "
              + heldEpochs.get()
              + " (rollback refused)");
    }
    SecretBytes key = decrypt(grant);
    if (!KeyId.of(KeyLevel.AGENT, key).hex().equals(grant.keyId())) {
      key.destroy();
      throw new AuthFailure(
          AuthFailure.Reason.MAC_MISMATCH, "granted key does not match its announced key ID");
    }
    return new GrantedKey(
        key,
        KeyId.parse(grant.keyId()),
        grant.chain(),
        grant.group(),
        grant.agent(),
        epochs,
        Instant.ofEpochMilli(grant.issuedAt()),
        Instant.ofEpochMilli(grant.expiresAt()),
        HexFormat.of().formatHex(th1));
  }

  /**
   * Turns the master's refusal into the failure it reports. {@code authenticated} in the result
   * says whether its MAC verified: only then may the agent act on it (wipe its key).
   */
  public RefusalOutcome onRefusal(Messages.Refusal refusal) {
    boolean authenticated = false;
    if (keys != null
        && refusal.mac() != null
        && sessionId != null
        && sessionId.equals(refusal.sessionId())) {
      byte[] expected = HandshakeCrypto.refusalMac(keys, th2, refusal.reason(), refusal.message());
      authenticated = MessageDigest.isEqual(expected, Wire.unb64(refusal.mac(), "mac", 32));
    }
    fail();
    return new RefusalOutcome(
        AuthFailure.ofRefusal(refusal.reason(), refusal.message()), authenticated);
  }

  /** A refusal as a failure, and whether it provably came from the master of this session. */
  public record RefusalOutcome(AuthFailure failure, boolean authenticated) {}

  private SecretBytes decrypt(Messages.KeyGrant grant) throws AuthFailure {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(keys.grant(), "AES"),
          new GCMParameterSpec(128, Wire.unb64(grant.nonce(), "nonce", 12)));
      cipher.updateAAD(HandshakeCrypto.grantAssociatedData(th2, grant));
      return SecretBytes.adopt(
          cipher.doFinal(Wire.unb64(grant.ciphertext(), "ciphertext", -1)), SecretAccess.grant());
    } catch (GeneralSecurityException e) {
      throw new AuthFailure(
          AuthFailure.Reason.MAC_MISMATCH, "key grant does not decrypt under the session key");
    }
  }
}
