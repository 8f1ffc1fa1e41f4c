package dev.keychain.core.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.KeyDerivation;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.chain.SubKeySize;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.share.OneTimeKeys;
import dev.keychain.core.share.SealedItem;
import dev.keychain.core.share.ShareBinding;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Share versions delivered with the key grant: seed 004 steps 7 to 9 over the handshake. */
class GrantBundleTest {
  private static final Duration SKEW = Duration.ofSeconds(30);
  private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.pod-token.signature";
  private static final ShareBinding DB =
      new ShareBinding("shop", "web", "db", 3, List.of("billing/api", "shop/cart"));
  private static final ShareBinding CACHE =
      new ShareBinding("shop", "web", "cache", 1, List.of("billing/api"));

  private final Clock clock = Clock.systemUTC();
  private TestIdentities pki;
  private MasterIdentity master;
  private ReplayCache replayCache;
  private ChainKey groupKey;
  private final List<GrantDecider.ShareDelivery> delivered = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    pki = new TestIdentities("CN=keychain-operator-ca");
    master = pki.master("Ed25519");
    replayCache = new ReplayCache(SKEW, 10_000);
    ChainKey session = KeyDerivation.newSession("tenant-a", Instant.now());
    groupKey =
        KeyDerivation.group(KeyDerivation.root(session, 1, Instant.now()), "A", 4, Instant.now());
  }

  private GrantDecider.ShareDelivery delivery(
      ShareBinding binding, ShareBinding sealedFor, String item) {
    SecretBytes otk = OneTimeKeys.fresh(binding);
    SealedItem sealed = SealedItem.seal(otk, item.getBytes(StandardCharsets.UTF_8), sealedFor);
    GrantDecider.ShareDelivery d = new GrantDecider.ShareDelivery(binding, otk, sealed);
    delivered.add(d);
    return d;
  }

  private GrantDecider decider(List<GrantDecider.ShareDelivery> shares, List<String> withheld) {
    return token ->
        new GrantDecider.Grant(
            KeyDerivation.agent(groupKey, "billing/api-0", 2, SubKeySize.BITS_128, Instant.now()),
            new SubKeyEpochs(1, 4, 2),
            Instant.now().plusSeconds(3600),
            shares,
            withheld);
  }

  /** A handshake up to the bundle; the agent's side is returned with the bundle it was sent. */
  private record Sent(AgentHandshake agent, Messages.GrantBundle bundle) {}

  private Sent handshake(GrantDecider decider) throws Exception {
    AgentHandshake agent = new AgentHandshake(TOKEN, pki.trust(), clock, SKEW, Optional.empty());
    MasterHandshake m = new MasterHandshake(master, replayCache, clock, SKEW);
    Messages.AgentConfirm confirm = agent.onMasterHello(m.onHello(agent.start()));
    Messages.GrantBundle bundle =
        Wire.parse(
            Wire.toJson(m.onConfirmWithShares(confirm, decider)), Messages.GrantBundle.class);
    assertEquals(MasterHandshake.State.DONE, m.state());
    return new Sent(agent, bundle);
  }

  @Test
  void agentReceivesEveryShareVersionWithItsOneTimeKeyAndItem() throws Exception {
    delivery(DB, DB, "s3cr3t-password");
    delivery(CACHE, CACHE, "cache-token");
    Sent sent = handshake(decider(delivered, List.of("shop/queue")));
    AgentHandshake.Granted granted = sent.agent().onBundle(sent.bundle());

    assertEquals(AgentHandshake.State.GRANTED, sent.agent().state());
    assertEquals(16, granted.key().key().length());
    assertEquals(List.of("shop/queue"), granted.withheld());
    assertEquals(2, granted.shares().size());
    GrantedShare db = granted.shares().get(0);
    assertEquals("shop/db", db.id());
    assertEquals(DB, db.binding());
    assertArrayEquals(
        "s3cr3t-password".getBytes(StandardCharsets.UTF_8),
        db.item().toByteArray(SecretAccess.grant()));
    // the one-time key received is the one the master sealed with: it opens the stored item
    assertEquals(OneTimeKeys.keyId(db.oneTimeKey()), db.keyId());
    assertArrayEquals(
        "s3cr3t-password".getBytes(StandardCharsets.UTF_8), db.sealed().open(db.oneTimeKey(), DB));
    assertEquals(
        "cache-token",
        new String(
            granted.shares().get(1).item().toByteArray(SecretAccess.grant()),
            StandardCharsets.UTF_8));
    // the master destroyed the one-time keys once sealed; the wire carries neither key nor item
    assertTrue(delivered.stream().allMatch(d -> d.oneTimeKey().isDestroyed()));
    String json = Wire.toJson(sent.bundle());
    assertFalse(json.contains("s3cr3t-password"));
    assertFalse(
        json.contains(
            Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(db.oneTimeKey().toByteArray(SecretAccess.grant()))));
    granted.shares().forEach(GrantedShare::close);
    assertTrue(db.oneTimeKey().isDestroyed() && db.item().isDestroyed());
  }

  @Test
  void aShareDroppedFromTheBundleIsDetected() throws Exception {
    delivery(DB, DB, "a");
    delivery(CACHE, CACHE, "b");
    Sent sent = handshake(decider(delivered, List.of()));
    Messages.GrantBundle b = sent.bundle();
    Messages.GrantBundle dropped =
        new Messages.GrantBundle(b.v(), b.grant(), b.shares().subList(0, 1), b.withheld(), b.mac());
    AuthFailure e = assertThrows(AuthFailure.class, () -> sent.agent().onBundle(dropped));
    assertEquals(AuthFailure.Reason.MAC_MISMATCH, e.reason());
    assertEquals(AgentHandshake.State.FAILED, sent.agent().state());
  }

  @Test
  void aShareMovedToAnotherRecipientSetOrSessionIsDetected() throws Exception {
    delivery(DB, DB, "a");
    Sent first = handshake(decider(delivered, List.of()));
    Messages.ShareGrant s = first.bundle().shares().get(0);
    Messages.ShareGrant widened =
        new Messages.ShareGrant(
            s.namespace(),
            s.share(),
            s.owner(),
            s.version(),
            List.of("billing/api", "shop/cart", "evil/x"),
            s.keyId(),
            s.nonce(),
            s.ciphertext(),
            s.item());
    Messages.GrantBundle b = first.bundle();
    assertEquals(
        AuthFailure.Reason.MAC_MISMATCH,
        assertThrows(
                AuthFailure.class,
                () ->
                    first
                        .agent()
                        .onBundle(
                            new Messages.GrantBundle(
                                b.v(), b.grant(), List.of(widened), b.withheld(), b.mac())))
            .reason());

    // a share of another session spliced into this one
    delivered.clear();
    Sent second = handshake(decider(List.of(), List.of()));
    Messages.GrantBundle b2 = second.bundle();
    assertEquals(
        AuthFailure.Reason.MAC_MISMATCH,
        assertThrows(
                AuthFailure.class,
                () ->
                    second
                        .agent()
                        .onBundle(
                            new Messages.GrantBundle(
                                b2.v(), b2.grant(), List.of(s), b2.withheld(), b2.mac())))
            .reason());
  }

  @Test
  void anItemThatDoesNotOpenUnderItsKeyIsRefusedNamingTheShare() throws Exception {
    // the stored item was sealed for version 2; the binding delivered says version 3
    delivery(DB, new ShareBinding("shop", "web", "db", 2, DB.recipients()), "a");
    Sent sent = handshake(decider(delivered, List.of()));
    AuthFailure e = assertThrows(AuthFailure.class, () -> sent.agent().onBundle(sent.bundle()));
    assertEquals(AuthFailure.Reason.MAC_MISMATCH, e.reason());
    assertTrue(e.detail().contains("shop/db v3"), e.detail());
  }

  @Test
  void malformedBundlesAreRefusedNamingWhatIsWrong() throws Exception {
    delivery(DB, DB, "a");
    Sent sent = handshake(decider(delivered, List.of()));
    String json = Wire.toJson(sent.bundle());
    String twice = json.replace("\"withheld\":[]", "\"withheld\":[\"shop/db\"]");
    assertTrue(
        assertThrows(AuthFailure.class, () -> Wire.parse(twice, Messages.GrantBundle.class))
            .detail()
            .contains("shop/db is listed twice"));
    String badItem = json.replaceFirst("\"item\":\"[^\"]*\"", "\"item\":\"not-sealed\"");
    assertTrue(
        assertThrows(AuthFailure.class, () -> Wire.parse(badItem, Messages.GrantBundle.class))
            .detail()
            .contains("sealed item"));
    String badRecipient = json.replace("billing/api", "Billing/API");
    assertTrue(
        assertThrows(AuthFailure.class, () -> Wire.parse(badRecipient, Messages.GrantBundle.class))
            .detail()
            .contains("not a Kubernetes name"));
    String many =
        json.replace(
            "\"withheld\":[]",
            "\"withheld\":["
                + String.join(
                    ",",
                    java.util.stream.IntStream.range(0, Messages.MAX_SHARES)
                        .mapToObj(i -> "\"ns/s" + i + "\"")
                        .toList())
                + "]");
    assertTrue(
        assertThrows(AuthFailure.class, () -> Wire.parse(many, Messages.GrantBundle.class))
            .detail()
            .contains("at most " + Messages.MAX_SHARES));
  }
}
