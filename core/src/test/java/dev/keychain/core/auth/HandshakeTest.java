package dev.keychain.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.KeyDerivation;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.chain.SubKeySize;
import dev.keychain.core.crypto.SecretAccess;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HandshakeTest {
  private static final Duration SKEW = Duration.ofSeconds(30);
  private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.pod-token.signature";
  private static final SubKeyEpochs EPOCHS = new SubKeyEpochs(1, 4, 2);

  private final Clock clock = Clock.systemUTC();
  private TestIdentities pki;
  private MasterIdentity master;
  private ReplayCache replayCache;
  private ChainKey groupKey;

  @BeforeEach
  void setUp() throws Exception {
    pki = new TestIdentities("CN=keychain-operator-ca");
    master = pki.master("Ed25519");
    replayCache = new ReplayCache(SKEW, 10_000);
    ChainKey session = KeyDerivation.newSession("tenant-a", Instant.now());
    groupKey =
        KeyDerivation.group(KeyDerivation.root(session, 1, Instant.now()), "A", 4, Instant.now());
  }

  private ChainKey expectedSubKey() {
    return KeyDerivation.agent(groupKey, "ns/pod-0", 2, SubKeySize.BITS_128, Instant.now());
  }

  private GrantDecider grantingDecider() {
    return token -> {
      if (!TOKEN.equals(token)) {
        throw new AuthFailure(AuthFailure.Reason.INVALID_TOKEN, "token not accepted");
      }
      return new GrantDecider.Grant(expectedSubKey(), EPOCHS, Instant.now().plusSeconds(3600));
    };
  }

  private AgentHandshake agent(Clock agentClock, Optional<SubKeyEpochs> held) {
    return new AgentHandshake(TOKEN, pki.trust(), agentClock, SKEW, held);
  }

  private MasterHandshake master() {
    return new MasterHandshake(master, replayCache, clock, SKEW);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Ed25519", "EC"})
  void agentReceivesTheSubKeyTheChainDerives(String algorithm) throws Exception {
    master = pki.master(algorithm);
    AgentHandshake agent = agent(clock, Optional.empty());
    MasterHandshake m = master();
    // Every message crosses the wire as JSON and is parsed strictly on the other side.
    Messages.MasterHello mh =
        Wire.parse(
            Wire.toJson(
                m.onHello(Wire.parse(Wire.toJson(agent.start()), Messages.AgentHello.class))),
            Messages.MasterHello.class);
    Messages.AgentConfirm confirm =
        Wire.parse(Wire.toJson(agent.onMasterHello(mh)), Messages.AgentConfirm.class);
    Messages.KeyGrant grant =
        Wire.parse(Wire.toJson(m.onConfirm(confirm, grantingDecider())), Messages.KeyGrant.class);
    GrantedKey granted = agent.onGrant(grant);

    ChainKey expected = expectedSubKey();
    assertTrue(granted.key().sameAs(expected.secret(SecretAccess.grant())));
    assertEquals(expected.keyId(), granted.keyId());
    assertEquals(EPOCHS, granted.epochs());
    assertEquals("A", granted.group());
    assertEquals("ns/pod-0", granted.agent());
    assertEquals(64, granted.sessionNumber().length());
    assertEquals(AgentHandshake.State.GRANTED, agent.state());
    assertEquals(MasterHandshake.State.DONE, m.state());
    assertFalse(Wire.toJson(grant).contains(hex(expected)), "key bytes on the wire");
  }

  private static String hex(ChainKey key) {
    return key.secret(SecretAccess.grant())
        .apply(SecretAccess.grant(), java.util.HexFormat.of()::formatHex);
  }

  @Test
  void manInTheMiddleSwappingTheAgentsEphemeralKeyIsDetected() throws Exception {
    AgentHandshake agent = agent(clock, Optional.empty());
    Messages.AgentHello hello = agent.start();
    AgentHandshake mallory = agent(clock, Optional.empty());
    Messages.AgentHello malloryHello = mallory.start();
    Messages.AgentHello swapped =
        new Messages.AgentHello(
            hello.v(),
            hello.token(),
            malloryHello.ephemeralKey(),
            hello.nonce(),
            hello.timestamp());
    Messages.MasterHello mh = master().onHello(swapped);
    AuthFailure e = assertThrows(AuthFailure.class, () -> agent.onMasterHello(mh));
    assertEquals(AuthFailure.Reason.BAD_SIGNATURE, e.reason());
    assertEquals(AgentHandshake.State.FAILED, agent.state());
  }

  @Test
  void manInTheMiddleSwappingTheMastersEphemeralKeyIsDetected() throws Exception {
    AgentHandshake agent = agent(clock, Optional.empty());
    Messages.MasterHello mh = master().onHello(agent.start());
    Messages.MasterHello other = master().onHello(agent(clock, Optional.empty()).start());
    Messages.MasterHello swapped =
        new Messages.MasterHello(
            mh.v(),
            mh.sessionId(),
            other.ephemeralKey(),
            mh.nonce(),
            mh.timestamp(),
            mh.certificates(),
            mh.signature());
    assertEquals(
        AuthFailure.Reason.BAD_SIGNATURE,
        assertThrows(AuthFailure.class, () -> agent.onMasterHello(swapped)).reason());
  }

  @Test
  void relayWithoutTheEphemeralKeyCannotConfirm() throws Exception {
    MasterHandshake m = master();
    m.onHello(agent(clock, Optional.empty()).start());
    byte[] forged = new byte[32];
    AuthFailure e =
        assertThrows(
            AuthFailure.class,
            () ->
                m.onConfirm(
                    new Messages.AgentConfirm(1, m.sessionId(), Wire.b64(forged)),
                    grantingDecider()));
    assertEquals(AuthFailure.Reason.MAC_MISMATCH, e.reason());
  }

  @Test
  void masterWithCertificateFromAnotherCaIsUntrusted() throws Exception {
    master = new TestIdentities("CN=rogue-ca").master("Ed25519");
    AgentHandshake agent = agent(clock, Optional.empty());
    Messages.MasterHello mh = master().onHello(agent.start());
    AuthFailure e = assertThrows(AuthFailure.class, () -> agent.onMasterHello(mh));
    assertEquals(AuthFailure.Reason.UNTRUSTED_MASTER, e.reason());
    assertTrue(e.getMessage().contains("CN=keychain-operator"), e.getMessage());
  }

  @Test
  void forgedMasterSignatureIsRefused() throws Exception {
    AgentHandshake agent = agent(clock, Optional.empty());
    Messages.MasterHello mh = master().onHello(agent.start());
    byte[] sig = Base64.getUrlDecoder().decode(mh.signature());
    sig[10] ^= 0x01;
    Messages.MasterHello forged =
        new Messages.MasterHello(
            mh.v(),
            mh.sessionId(),
            mh.ephemeralKey(),
            mh.nonce(),
            mh.timestamp(),
            mh.certificates(),
            Wire.b64(sig));
    assertEquals(
        AuthFailure.Reason.BAD_SIGNATURE,
        assertThrows(AuthFailure.class, () -> agent.onMasterHello(forged)).reason());
  }

  @Test
  void expiredMasterCertificateIsUntrusted() throws Exception {
    master = pki.master("Ed25519", Instant.now().minusSeconds(60));
    AgentHandshake agent = agent(clock, Optional.empty());
    Messages.MasterHello mh = master().onHello(agent.start());
    assertEquals(
        AuthFailure.Reason.UNTRUSTED_MASTER,
        assertThrows(AuthFailure.class, () -> agent.onMasterHello(mh)).reason());
  }

  @Test
  void validatedChainIsCheckedAgainOnceACertificateExpires() throws Exception {
    master = pki.master("Ed25519", Instant.now().plus(Duration.ofHours(1)));
    MasterTrust trust = pki.trust();
    byte[] content = {1, 2, 3};
    byte[] signature = master.sign(content);
    trust.verify(master.encodedChain(), content, signature, Instant.now());
    trust.verify(master.encodedChain(), content, signature, Instant.now()); // from the cache
    AuthFailure e =
        assertThrows(
            AuthFailure.class,
            () ->
                trust.verify(
                    master.encodedChain(),
                    content,
                    signature,
                    Instant.now().plus(Duration.ofHours(2))));
    assertEquals(AuthFailure.Reason.UNTRUSTED_MASTER, e.reason());
  }

  @Test
  void lowOrderEphemeralKeyIsRefused() throws Exception {
    Messages.AgentHello hello = agent(clock, Optional.empty()).start();
    Messages.AgentHello lowOrder =
        new Messages.AgentHello(
            hello.v(), hello.token(), Wire.b64(new byte[32]), hello.nonce(), hello.timestamp());
    AuthFailure e = assertThrows(AuthFailure.class, () -> master().onHello(lowOrder));
    assertEquals(AuthFailure.Reason.MALFORMED, e.reason());
    assertTrue(e.getMessage().contains("low order"), e.getMessage());
  }

  @Test
  void staleAgentHelloIsRefused() throws Exception {
    AgentHandshake late = agent(Clock.offset(clock, Duration.ofMinutes(-5)), Optional.empty());
    MasterHandshake m = master();
    AuthFailure e = assertThrows(AuthFailure.class, () -> m.onHello(late.start()));
    assertEquals(AuthFailure.Reason.STALE_TIMESTAMP, e.reason());
    assertTrue(e.getMessage().contains("allowed skew 30000 ms"), e.getMessage());
    assertEquals(MasterHandshake.State.FAILED, m.state());
  }

  @Test
  void staleMasterHelloIsRefused() throws Exception {
    AgentHandshake agent = agent(clock, Optional.empty());
    Messages.AgentHello hello = agent.start();
    MasterHandshake skewed =
        new MasterHandshake(master, replayCache, Clock.offset(clock, Duration.ofSeconds(29)), SKEW);
    Messages.MasterHello mh = skewed.onHello(hello); // within the master's window
    AgentHandshake strict =
        new AgentHandshake(TOKEN, pki.trust(), clock, Duration.ofSeconds(10), Optional.empty());
    strict.start();
    assertEquals(
        AuthFailure.Reason.STALE_TIMESTAMP,
        assertThrows(AuthFailure.class, () -> strict.onMasterHello(mh)).reason());
  }

  @Test
  void replayedAgentHelloIsRefused() throws Exception {
    Messages.AgentHello hello = agent(clock, Optional.empty()).start();
    master().onHello(hello);
    AuthFailure e = assertThrows(AuthFailure.class, () -> master().onHello(hello));
    assertEquals(AuthFailure.Reason.REPLAYED_NONCE, e.reason());
  }

  @Test
  void grantOlderThanTheHeldKeyIsARollback() throws Exception {
    AgentHandshake agent = agent(clock, Optional.of(new SubKeyEpochs(1, 5, 0)));
    MasterHandshake m = master();
    Messages.AgentConfirm confirm = agent.onMasterHello(m.onHello(agent.start()));
    Messages.KeyGrant grant = m.onConfirm(confirm, grantingDecider());
    AuthFailure e = assertThrows(AuthFailure.class, () -> agent.onGrant(grant));
    assertEquals(AuthFailure.Reason.WRONG_EPOCH, e.reason());
    assertTrue(e.getMessage().contains("1.4.2"), e.getMessage());
  }

  @Test
  void alteredGrantIsRefused() throws Exception {
    AgentHandshake agent = agent(clock, Optional.empty());
    MasterHandshake m = master();
    Messages.AgentConfirm confirm = agent.onMasterHello(m.onHello(agent.start()));
    Messages.KeyGrant g = m.onConfirm(confirm, grantingDecider());
    // An attacker claims a newer epoch to make the agent keep this key longer.
    Messages.KeyGrant altered =
        new Messages.KeyGrant(
            g.v(),
            g.sessionId(),
            g.chain(),
            g.group(),
            g.agent(),
            g.keyId(),
            g.rootEpoch(),
            g.groupEpoch(),
            g.agentEpoch() + 1,
            g.issuedAt(),
            g.expiresAt(),
            g.nonce(),
            g.ciphertext(),
            g.mac());
    assertEquals(
        AuthFailure.Reason.MAC_MISMATCH,
        assertThrows(AuthFailure.class, () -> agent.onGrant(altered)).reason());
  }

  @Test
  void revokedAgentGetsAnAuthenticatedRefusal() throws Exception {
    AgentHandshake agent = agent(clock, Optional.empty());
    MasterHandshake m = master();
    Messages.AgentConfirm confirm = agent.onMasterHello(m.onHello(agent.start()));
    AuthFailure refused =
        assertThrows(
            AuthFailure.class,
            () ->
                m.onConfirm(
                    confirm,
                    token -> {
                      throw new AuthFailure(
                          AuthFailure.Reason.REVOKED, "instance ns/app was deleted");
                    }));
    Messages.Refusal refusal = Wire.parse(Wire.toJson(m.refusal(refused)), Messages.Refusal.class);
    AgentHandshake.RefusalOutcome outcome = agent.onRefusal(refusal);
    assertTrue(outcome.authenticated());
    assertEquals(AuthFailure.Reason.REVOKED, outcome.failure().reason());
    assertEquals("instance ns/app was deleted", outcome.failure().detail());
  }

  @Test
  void forgedRefusalIsNotAuthenticated() throws Exception {
    AgentHandshake agent = agent(clock, Optional.empty());
    MasterHandshake m = master();
    agent.onMasterHello(m.onHello(agent.start()));
    Messages.Refusal forged =
        new Messages.Refusal(1, m.sessionId(), "REVOKED", "wipe your key", Wire.b64(new byte[32]));
    assertFalse(agent.onRefusal(forged).authenticated());
  }

  @ParameterizedTest
  @ValueSource(strings = {"INVALID_TOKEN", "RESTRICTED"})
  void deciderRefusalsReachTheAgent(String reason) throws Exception {
    AgentHandshake agent = agent(clock, Optional.empty());
    MasterHandshake m = master();
    Messages.AgentConfirm confirm = agent.onMasterHello(m.onHello(agent.start()));
    AuthFailure refused =
        assertThrows(
            AuthFailure.class,
            () ->
                m.onConfirm(
                    confirm,
                    token -> {
                      throw new AuthFailure(AuthFailure.Reason.valueOf(reason), "no");
                    }));
    assertEquals(reason, agent.onRefusal(m.refusal(refused)).failure().reason().name());
  }

  @Test
  void messagesOutOfOrderAreRefused() throws Exception {
    MasterHandshake m = master();
    AuthFailure e =
        assertThrows(
            AuthFailure.class,
            () ->
                m.onConfirm(
                    new Messages.AgentConfirm(1, Wire.b64(new byte[16]), Wire.b64(new byte[32])),
                    grantingDecider()));
    assertEquals(AuthFailure.Reason.UNEXPECTED_MESSAGE, e.reason());
    AgentHandshake agent = agent(clock, Optional.empty());
    agent.start();
    assertEquals(
        AuthFailure.Reason.UNEXPECTED_MESSAGE,
        assertThrows(AuthFailure.class, agent::start).reason());
  }
}
