package dev.keychain.core.tuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.testing.fixtures.NotaryClient;
import dev.keychain.testing.fixtures.NotaryServer;
import dev.keychain.testing.fixtures.TestPki;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier against trust data published by the real notary CLI to a real notary-server. */
class NotaryVerifierRealServerTest {
  @TempDir static Path dir;
  static NotaryServer server;
  static NotaryClient publisher;
  static String aliceKeyId;
  static final String GUN = "registry.local/team/app";
  static final String DIGEST_V1 = "sha256:" + "ab".repeat(32);

  @BeforeAll
  static void publish() throws Exception {
    server = NotaryServer.start(dir.resolve("server"));
    publisher = server.client(dir.resolve("publisher"));
    publisher.initCollection(GUN);
    Path[] alice =
        TestPki.create("signers").clientCertificate("alice").writeTo(dir.resolve("alice"), "alice");
    aliceKeyId = KeyIds.notaryCanonicalId(PublicKeys.fromPem(Files.readString(alice[0])));
    publisher.addDelegation(GUN, "targets/releases", alice[0]);
    publisher.publish(GUN);
    publisher.importKey(alice[1], "targets/releases");
    publisher.addHash(GUN, "v1", 527, DIGEST_V1, "targets/releases");
    publisher.publish(GUN);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static NotaryServerSource source() {
    return new NotaryServerSource(
        URI.create(server.url()),
        Optional.of(server.pki().trustingContext()),
        Duration.ofSeconds(5));
  }

  @Test
  void verifiesDelegatedTargetSignedByTheSignersKey() throws Exception {
    NotaryTrust trust =
        new NotaryVerifier(source(), Clock.systemUTC()).verify(GUN, Set.of(publisher.rootKeyId()));
    List<SignedTarget> v1 = trust.named("v1");
    assertEquals(1, v1.size(), trust.toString());
    assertEquals("targets/releases", v1.get(0).role());
    assertEquals(DIGEST_V1, v1.get(0).digest());
    assertEquals(527, v1.get(0).length());
    assertEquals(aliceKeyId, v1.get(0).signers().get(0).canonicalId());
    assertTrue(trust.unusableRoles().isEmpty(), trust.unusableRoles().toString());
  }

  @Test
  void refusesRootNotSignedByAPinnedKey() {
    TufException e =
        assertThrows(
            TufException.class,
            () ->
                new NotaryVerifier(source(), Clock.systemUTC())
                    .verify(GUN, Set.of("00".repeat(32))));
    assertEquals(TufException.Reason.UNTRUSTED_ROOT, e.reason());
    assertTrue(e.getMessage().contains("is pinned"), e.getMessage());
  }

  @Test
  void gunOfAnIpv6RegistryIsLookedUpAndNotFound() {
    // Brackets of an IPv6 registry must be escaped in the URL, not fail the verification.
    TufException e =
        assertThrows(
            TufException.class,
            () ->
                new NotaryVerifier(source(), Clock.systemUTC())
                    .verify("[::1]:5000/team/app", Set.of(publisher.rootKeyId())));
    assertEquals(TufException.Reason.NOT_FOUND, e.reason(), e.getMessage());
  }

  @Test
  void refusesExpiredTimestamp() {
    // notary-server signs timestamps valid for 14 days: a verifier 15 days ahead sees them expired.
    Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(15)), ZoneOffset.UTC);
    TufException e =
        assertThrows(
            TufException.class,
            () -> new NotaryVerifier(source(), later).verify(GUN, Set.of(publisher.rootKeyId())));
    assertEquals(TufException.Reason.EXPIRED, e.reason());
    assertTrue(e.getMessage().contains("timestamp.json expired"), e.getMessage());
  }

  @Test
  void refusesTrustDataRolledBackToAnOlderVersion() throws Exception {
    String gun = "registry.local/team/rollback";
    publisher.initCollection(gun);
    publisher.addHash(gun, "v1", 100, DIGEST_V1);
    publisher.publish(gun);
    NotaryServerSource live = source();
    Map<String, byte[]> old = new HashMap<>();
    MetadataSource recording =
        (g, role, hash, max) -> {
          byte[] b = live.fetch(g, role, hash, max);
          old.put(role, b);
          return b;
        };
    new NotaryVerifier(recording, Clock.systemUTC()).verify(gun, Set.of(publisher.rootKeyId()));

    publisher.addHash(gun, "v2", 100, "sha256:" + "cd".repeat(32));
    publisher.publish(gun);
    // The verifier under test sees the newer trust data, then a compromised server replays the
    // older, validly signed and unexpired files.
    AtomicBoolean replay = new AtomicBoolean();
    MetadataSource compromised =
        (g, role, hash, max) -> replay.get() ? old.get(role) : live.fetch(g, role, hash, max);
    NotaryVerifier verifier = new NotaryVerifier(compromised, Clock.systemUTC());
    assertEquals(1, verifier.verify(gun, Set.of(publisher.rootKeyId())).named("v2").size());
    replay.set(true);
    TufException e =
        assertThrows(TufException.class, () -> verifier.verify(gun, Set.of(publisher.rootKeyId())));
    assertEquals(TufException.Reason.ROLLBACK, e.reason());
    assertTrue(e.getMessage().contains("timestamp.json is version"), e.getMessage());
  }
}
