package dev.keychain.core.tuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.tuf.TufTestRepository.Key;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NotaryVerifierTest {
  static final String GUN = "registry.local/app";
  static final String D1 = "sha256:" + "11".repeat(32);
  static final String D2 = "sha256:" + "22".repeat(32);
  final TufTestRepository repo = new TufTestRepository();

  private NotaryTrust verify() throws TufException {
    return new NotaryVerifier(repo.source(), Clock.systemUTC()).verify(GUN, Set.of(repo.root.id()));
  }

  private TufException refused() {
    return assertThrows(TufException.class, this::verify);
  }

  @Test
  void thresholdCountsDistinctKeysNotSignatures() throws Exception {
    Key alice = Key.generate();
    Key bob = Key.generate();
    ObjectNode targets = TufTestRepository.targetsSigned(Map.of());
    TufTestRepository.delegate(targets, "targets/releases", 2, List.of(""), alice, bob);
    ObjectNode releases = TufTestRepository.targetsSigned(Map.of("v1", D1));
    repo.publish(
        repo.sign(repo.rootSigned(), List.of(repo.root)),
        Map.of(
            "targets", repo.sign(targets, List.of(repo.targets)),
            "targets/releases", repo.sign(releases, List.of(alice, alice))));
    NotaryTrust trust = verify();
    assertTrue(trust.named("v1").isEmpty(), trust.toString());
    assertEquals(1, trust.unusableRoles().size());
    assertTrue(
        trust
            .unusableRoles()
            .get(0)
            .contains("1 valid signature(s) by keys of role targets/releases, threshold 2"),
        trust.unusableRoles().get(0));

    repo.version++;
    repo.publish(
        repo.sign(repo.rootSigned(), List.of(repo.root)),
        Map.of(
            "targets", repo.sign(targets, List.of(repo.targets)),
            "targets/releases", repo.sign(releases, List.of(alice, bob))));
    SignedTarget v1 = verify().named("v1").get(0);
    assertEquals(2, v1.signers().size());
    assertEquals(D1, v1.digest());
  }

  @Test
  void delegationSignedByAKeyOutsideTheRoleIsNotTrusted() throws Exception {
    Key alice = Key.generate();
    Key mallory = Key.generate();
    ObjectNode targets = TufTestRepository.targetsSigned(Map.of());
    TufTestRepository.delegate(targets, "targets/releases", 1, List.of(""), alice);
    repo.publish(
        repo.sign(repo.rootSigned(), List.of(repo.root)),
        Map.of(
            "targets", repo.sign(targets, List.of(repo.targets)),
            "targets/releases",
                repo.sign(TufTestRepository.targetsSigned(Map.of("v1", D2)), List.of(mallory))));
    NotaryTrust trust = verify();
    assertTrue(trust.named("v1").isEmpty());
    assertTrue(
        trust
            .unusableRoles()
            .get(0)
            .contains("signed by " + mallory.id() + ", not a key of the role"),
        trust.unusableRoles().toString());
  }

  @Test
  void whitelistedDelegationKeyWhoseSignatureDoesNotVerifyIsNotTrusted() throws Exception {
    Key alice = Key.generate();
    Key mallory = Key.generate();
    ObjectNode targets = TufTestRepository.targetsSigned(Map.of());
    TufTestRepository.delegate(targets, "targets/releases", 1, List.of(""), alice);
    // mallory's signature presented under alice's key ID
    ObjectNode forged =
        (ObjectNode)
            TufTestRepository.JSON.readTree(
                repo.sign(TufTestRepository.targetsSigned(Map.of("v1", D2)), List.of(mallory)));
    ((ObjectNode) forged.get("signatures").get(0)).put("keyid", alice.id());
    repo.publish(
        repo.sign(repo.rootSigned(), List.of(repo.root)),
        Map.of(
            "targets",
            repo.sign(targets, List.of(repo.targets)),
            "targets/releases",
            TufTestRepository.JSON.writeValueAsBytes(forged)));
    NotaryTrust trust = verify();
    assertTrue(trust.named("v1").isEmpty());
    // an Ed25519 key's canonical ID is its TUF ID
    String expected = "signature by " + alice.id() + " does not verify";
    assertTrue(trust.unusableRoles().get(0).contains(expected), trust.unusableRoles().toString());
  }

  @Test
  void delegatedRoleSignsOnlyWithinItsPaths() throws Exception {
    Key alice = Key.generate();
    ObjectNode targets = TufTestRepository.targetsSigned(Map.of());
    TufTestRepository.delegate(targets, "targets/releases", 1, List.of("release-"), alice);
    repo.publish(
        repo.sign(repo.rootSigned(), List.of(repo.root)),
        Map.of(
            "targets", repo.sign(targets, List.of(repo.targets)),
            "targets/releases",
                repo.sign(
                    TufTestRepository.targetsSigned(Map.of("release-1", D1, "latest", D2)),
                    List.of(alice))));
    NotaryTrust trust = verify();
    assertEquals(1, trust.named("release-1").size());
    assertTrue(trust.named("latest").isEmpty());
  }

  @Test
  void refusesTargetsTamperedAfterSnapshot() throws Exception {
    repo.publish(Map.of("v1", D1));
    byte[] forged =
        repo.sign(TufTestRepository.targetsSigned(Map.of("v1", D2)), List.of(repo.targets));
    repo.files.put("targets", forged);
    TufException e = refused();
    assertEquals(TufException.Reason.HASH_MISMATCH, e.reason());
  }

  @Test
  void refusesExpiredSnapshot() throws Exception {
    repo.expires = java.time.Instant.now().minusSeconds(60);
    repo.publish(Map.of("v1", D1));
    TufException e = refused();
    assertEquals(TufException.Reason.EXPIRED, e.reason());
    assertTrue(e.getMessage().contains("root.json expired"), e.getMessage());
  }

  @Test
  void refusesTimestampSignedByTheWrongRole() throws Exception {
    repo.publish(Map.of("v1", D1));
    ObjectNode ts = TufTestRepository.JSON.createObjectNode().put("_type", "Timestamp");
    ts.putObject("meta").set("snapshot", TufTestRepository.metaEntry(repo.files.get("snapshot")));
    repo.files.put("timestamp", repo.sign(ts, List.of(repo.targets)));
    TufException e = refused();
    assertEquals(TufException.Reason.THRESHOLD_NOT_MET, e.reason());
    assertTrue(e.getMessage().contains("role timestamp"), e.getMessage());
  }

  @Test
  void refusesKeyListedUnderAnotherKeysId() throws Exception {
    ObjectNode root = repo.rootSigned();
    Key other = Key.generate();
    ObjectNode keys = (ObjectNode) root.get("keys");
    keys.set(repo.targets.id(), other.json()); // claims to be the targets key
    repo.publish(
        repo.sign(root, List.of(repo.root)),
        Map.of(
            "targets",
            repo.sign(TufTestRepository.targetsSigned(Map.of()), List.of(repo.targets))));
    TufException e = refused();
    assertEquals(TufException.Reason.MALFORMED, e.reason());
    assertTrue(
        e.getMessage().contains("key listed as " + repo.targets.id() + " has ID " + other.id()),
        e.getMessage());
  }

  @Test
  void namesTheFieldOfMalformedMetadata() throws Exception {
    repo.publish(Map.of("v1", D1));
    repo.files.put(
        "timestamp",
        "{\"signed\":{\"_type\":\"Timestamp\",\"version\":\"7\"},\"signatures\":[]}"
            .getBytes(StandardCharsets.UTF_8));
    TufException e = refused();
    assertEquals(TufException.Reason.MALFORMED, e.reason());
    assertEquals(GUN + " timestamp.json: signed.version must be an integer", e.getMessage());

    repo.files.put("timestamp", "{\"signed\":{},\"signed\":{}}".getBytes(StandardCharsets.UTF_8));
    assertTrue(refused().getMessage().contains("Duplicate field 'signed'"), refused().getMessage());
  }
}
