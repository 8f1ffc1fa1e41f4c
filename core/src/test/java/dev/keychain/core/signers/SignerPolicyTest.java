package dev.keychain.core.signers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.attest.AttestationRequirement;
import dev.keychain.core.attest.PredicateTypes;
import dev.keychain.core.keys.KeyIds;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SignerPolicyTest {
  static PublicKey key() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair p = g.generateKeyPair();
    return p.getPublic();
  }

  static FoundSigner found(PublicKey k, String source) {
    return new FoundSigner(source, KeyIds.notaryCanonicalId(k), KeyIds.of(k));
  }

  @Test
  void thresholdCountsAKeyListedTwiceAndSignedTwiceOnce() throws Exception {
    PublicKey alice = key();
    PublicKey bob = key();
    // alice is listed under both of her IDs; she signed via notary and via cosign
    SignerPolicy policy =
        new SignerPolicy(
            List.of(
                new TrustedSigner("alice", KeyIds.notaryCanonicalId(alice), Optional.empty()),
                new TrustedSigner(
                    "alice-cosign", KeyIds.spkiFingerprint(alice), Optional.of(alice)),
                new TrustedSigner("bob", KeyIds.spkiFingerprint(bob), Optional.empty())),
            SignerPolicy.Rule.THRESHOLD,
            2);
    SignerPolicy.Outcome once =
        policy.apply(List.of(found(alice, "notary"), found(alice, "cosign")));
    assertFalse(once.satisfied());
    assertEquals("signed by 1 distinct whitelisted key(s), policy requires 2", once.shortfall());
    assertTrue(policy.apply(List.of(found(alice, "notary"), found(bob, "cosign"))).satisfied());
  }

  @Test
  void allRequiresEverySigner() throws Exception {
    PublicKey alice = key();
    PublicKey bob = key();
    SignerPolicy policy =
        new SignerPolicy(
            List.of(
                new TrustedSigner("alice", KeyIds.spkiFingerprint(alice), Optional.empty()),
                new TrustedSigner("bob", KeyIds.spkiFingerprint(bob), Optional.empty())),
            SignerPolicy.Rule.ALL,
            0);
    SignerPolicy.Outcome o = policy.apply(List.of(found(alice, "cosign")));
    assertFalse(o.satisfied());
    assertEquals("policy requires all signers, missing bob", o.shortfall());
    assertTrue(policy.apply(List.of(found(bob, "x"), found(alice, "y"))).satisfied());
  }

  @Test
  void signerNameAloneNeverMatches() throws Exception {
    PublicKey alice = key();
    PublicKey mallory = key();
    SignerPolicy policy =
        SignerPolicy.any(
            List.of(new TrustedSigner("alice", KeyIds.spkiFingerprint(alice), Optional.empty())));
    SignerPolicy.Outcome o =
        policy.apply(
            List.of(
                new FoundSigner(
                    "notary role targets/alice",
                    KeyIds.notaryCanonicalId(mallory),
                    KeyIds.of(mallory))));
    assertFalse(o.satisfied());
    assertEquals(1, o.strangers().size());
  }

  @Test
  void rejectsKeyIdThatDoesNotNameTheGivenPublicKey() throws Exception {
    PublicKey alice = key();
    PublicKey bob = key();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new TrustedSigner("alice", KeyIds.spkiFingerprint(bob), Optional.of(alice)));
    assertTrue(
        e.getMessage()
            .startsWith(
                "signer alice: key ID "
                    + KeyIds.spkiFingerprint(bob)
                    + " does not name its public key"),
        e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> new TrustedSigner("x", "ABC", Optional.empty()));
  }

  @Test
  void attestationsMayNameOnlyWhitelistedSignersWithKeys() throws Exception {
    PublicKey alice = key();
    PublicKey bob = key();
    SignerPolicy policy =
        SignerPolicy.any(
            List.of(
                new TrustedSigner("alice", KeyIds.spkiFingerprint(alice), Optional.of(alice)),
                new TrustedSigner("bob", KeyIds.spkiFingerprint(bob), Optional.empty())));
    AttestationRequirement byBob =
        new AttestationRequirement("sbom", PredicateTypes.SPDX, java.util.Set.of("bob"), List.of());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> policy.requiring(List.of(byBob)));
    assertEquals(
        "attestation sbom: signer bob is not a usable whitelisted signer with a publicKey",
        e.getMessage());
    AttestationRequirement byAnyone =
        new AttestationRequirement("sbom", PredicateTypes.SPDX, java.util.Set.of(), List.of());
    assertEquals(List.of(byAnyone), policy.requiring(List.of(byAnyone)).attestations());
  }
}
