package dev.keychain.core.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keychain.core.chain.KeyId;
import dev.keychain.core.chain.KeyLevel;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import java.io.InputStream;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
  private static final HexFormat HEX = HexFormat.of();

  private static EnvelopeContext context(SecretBytes key, long epoch) {
    return new EnvelopeContext(
        "tenant-a", "A", KeyLevel.GROUP, epoch, KeyId.of(KeyLevel.GROUP, key));
  }

  private static String hex(SecretBytes s) {
    return s.apply(SecretAccess.grant(), HEX::formatHex);
  }

  @Test
  void ownedKeysOpenOnlyInTheirOwnContext() {
    SecretKeyProvider kek =
        SecretKeyProvider.fromSecretData("s", SecretKeyProvider.newSecretData());
    OwnedKeyContext k0 = new OwnedKeyContext("keychain.dev/v1/audit-trust", "ns/log", "k0", 0);
    try (SecretBytes key = SecretBytes.random(32)) {
      SealedKey sealed = Envelope.sealOwned(kek, key, k0);
      try (SecretBytes back = Envelope.openOwned(kek, sealed, k0)) {
        assertTrue(back.sameAs(key));
      }
      for (OwnedKeyContext other :
          List.of(
              new OwnedKeyContext("keychain.dev/v1/audit-trust", "ns/other", "k0", 0),
              new OwnedKeyContext("keychain.dev/v1/audit-trust", "ns/log", "current", 0),
              new OwnedKeyContext("keychain.dev/v1/audit-trust", "ns/log", "k0", 1),
              new OwnedKeyContext("keychain.dev/v1/audit-key", "ns/log", "k0", 0))) {
        assertThrows(
            EnvelopeException.class,
            () -> Envelope.openOwned(kek, sealed, other),
            other.toString());
      }
    }
  }

  @Test
  void ownedKeysSealedBeforeOpenUnchanged() {
    // Audit keys were sealed by the operator with this associated data before the envelope took
    // them over: they must open as they are, without a migration.
    SecretKeyProvider kek =
        SecretKeyProvider.fromSecretData("s", SecretKeyProvider.newSecretData());
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    String kekId = kek.primaryKekId();
    byte[] aad =
        dev.keychain.core.crypto.Encoder.of("keychain.dev/v1/audit-trust")
            .add("ns/log")
            .add("current")
            .add(7L)
            .add(kekId)
            .toByteArray();
    KeyProvider.Wrapped w = kek.wrap(key, aad);
    SealedKey before = new SealedKey(w.kekId(), w.nonce(), w.ciphertext());
    try (SecretBytes back =
        Envelope.openOwned(
            kek,
            before,
            new OwnedKeyContext("keychain.dev/v1/audit-trust", "ns/log", "current", 7))) {
      assertEquals(HEX.formatHex(key), hex(back));
    }
  }

  @Test
  void opensAnEnvelopeSealedByAnIndependentImplementation() throws Exception {
    JsonNode v;
    try (InputStream in = getClass().getResourceAsStream("/vectors/envelope.json")) {
      v = new ObjectMapper().readTree(in);
    }
    SecretKeyProvider provider =
        SecretKeyProvider.fromSecretData(
            "vector", Map.of("kek.v1", HEX.parseHex(v.get("kek").asText())));
    SecretBytes share =
        SecretBytes.copyOf(HEX.parseHex(v.get("tenantShare").asText()), SecretAccess.grant());
    EnvelopeContext context =
        new EnvelopeContext(
            v.get("chain").asText(),
            v.get("group").asText(),
            KeyLevel.valueOf(v.get("level").asText()),
            v.get("epoch").asLong(),
            KeyId.parse(v.get("keyId").asText()));
    SecretBytes key =
        Envelope.open(provider, SealedKey.parse(v.get("sealed").asText()), share, context);
    assertEquals(v.get("key").asText(), hex(key));
  }

  @Test
  void sealedKeyOpensOnlyWithBothKekAndTenantShare() {
    SecretKeyProvider kek =
        SecretKeyProvider.fromSecretData("s", SecretKeyProvider.newSecretData());
    SecretBytes key = SecretBytes.random(32);
    SecretBytes share = SecretBytes.random(32);
    EnvelopeContext context = context(key, 1);
    SealedKey sealed = Envelope.seal(kek, key, share, context);
    String stored = sealed.encode();
    assertFalse(stored.contains(hex(key)));
    assertFalse(
        stored.contains(
            Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(key.toByteArray(SecretAccess.grant()))));

    assertTrue(Envelope.open(kek, SealedKey.parse(stored), share, context).sameAs(key));

    EnvelopeException wrongShare =
        assertThrows(
            EnvelopeException.class,
            () -> Envelope.open(kek, sealed, SecretBytes.random(32), context));
    assertEquals(EnvelopeException.Reason.WRONG_TENANT_SHARE, wrongShare.reason());
    assertFalse(wrongShare.getMessage().contains(hex(key)));

    SecretKeyProvider otherKek =
        SecretKeyProvider.fromSecretData("other", SecretKeyProvider.newSecretData());
    assertEquals(
        EnvelopeException.Reason.AUTHENTICATION_FAILED,
        assertThrows(EnvelopeException.class, () -> Envelope.open(otherKek, sealed, share, context))
            .reason());
  }

  @Test
  void envelopeMovedToAnotherContextDoesNotOpen() {
    SecretKeyProvider kek =
        SecretKeyProvider.fromSecretData("s", SecretKeyProvider.newSecretData());
    SecretBytes key = SecretBytes.random(32);
    SecretBytes share = SecretBytes.random(32);
    SealedKey sealed = Envelope.seal(kek, key, share, context(key, 1));
    EnvelopeException e =
        assertThrows(
            EnvelopeException.class, () -> Envelope.open(kek, sealed, share, context(key, 2)));
    assertEquals(EnvelopeException.Reason.AUTHENTICATION_FAILED, e.reason());
  }

  @Test
  void tamperedCiphertextIsDetected() {
    SecretKeyProvider kek =
        SecretKeyProvider.fromSecretData("s", SecretKeyProvider.newSecretData());
    SecretBytes key = SecretBytes.random(16);
    SecretBytes share = SecretBytes.random(32);
    SealedKey sealed = Envelope.seal(kek, key, share, context(key, 0));
    byte[] ct = sealed.ciphertext();
    ct[3] ^= 1;
    SealedKey tampered = new SealedKey(sealed.kekId(), sealed.nonce(), ct);
    assertEquals(
        EnvelopeException.Reason.AUTHENTICATION_FAILED,
        assertThrows(
                EnvelopeException.class, () -> Envelope.open(kek, tampered, share, context(key, 0)))
            .reason());
  }

  @Test
  void rewrapMovesEnvelopesToTheNewKekWithoutTheTenantShare() {
    SecretKeyProvider v1 = SecretKeyProvider.fromSecretData("s", SecretKeyProvider.newSecretData());
    SecretBytes key = SecretBytes.random(32);
    SecretBytes share = SecretBytes.random(32);
    EnvelopeContext context = context(key, 7);
    SealedKey old = Envelope.seal(v1, key, share, context);
    assertEquals("k8s-secret/v1", old.kekId());

    SecretKeyProvider both = SecretKeyProvider.fromSecretData("s", v1.withNewKek());
    assertEquals("k8s-secret/v2", both.primaryKekId());
    SealedKey rewrapped = Envelope.rewrap(both, old, context);
    assertEquals("k8s-secret/v2", rewrapped.kekId());
    assertNotEquals(old.encode(), rewrapped.encode());
    assertTrue(Envelope.open(both, rewrapped, share, context).sameAs(key));
    assertEquals(rewrapped, Envelope.rewrap(both, rewrapped, context), "already current");

    // Once everything is rewrapped, the old KEK can be dropped from the Secret.
    SecretKeyProvider v2 =
        SecretKeyProvider.fromSecretData("s", Map.of("kek.v2", both.withNewKek().get("kek.v2")));
    assertTrue(Envelope.open(v2, rewrapped, share, context).sameAs(key));
    EnvelopeException unknown =
        assertThrows(EnvelopeException.class, () -> Envelope.open(v2, old, share, context));
    assertEquals(EnvelopeException.Reason.UNKNOWN_KEK, unknown.reason());
    assertTrue(unknown.getMessage().contains("k8s-secret/v1"), unknown.getMessage());
  }

  @Test
  void malformedStoredFormsAreRejectedWithTheirDefectNamed() {
    String[][] cases = {
      {"", "empty"},
      {"kc1.k8s-secret/v1.AAAA", "expected 4 dot-separated parts"},
      {"kc9.k8s-secret/v1.AAECAwQFBgcICQoL.AAAA", "unknown format"},
      {"kc1.k8s-secret/v1.AAEC$wQFBgcICQoL.AAAA", "nonce is not base64url"},
      {"kc1.k8s-secret/v1.AAECAw.AAAA", "nonce must be 12 bytes"},
      {"kc1.k8s-secret/v1.AAECAwQFBgcICQoL.AAAA", "ciphertext must hold"},
      {"kc1.bad kek.AAECAwQFBgcICQoL.AAAA", "invalid KEK ID"},
    };
    for (String[] c : cases) {
      EnvelopeException e = assertThrows(EnvelopeException.class, () -> SealedKey.parse(c[0]));
      assertEquals(EnvelopeException.Reason.MALFORMED, e.reason());
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
  }

  @Test
  void secretDataWithoutAUsableKekIsRejected() {
    EnvelopeException none =
        assertThrows(
            EnvelopeException.class,
            () -> SecretKeyProvider.fromSecretData("kek", Map.of("other", new byte[32])));
    assertTrue(none.getMessage().contains("no KEK entry"), none.getMessage());
    EnvelopeException shortKek =
        assertThrows(
            EnvelopeException.class,
            () -> SecretKeyProvider.fromSecretData("kek", Map.of("kek.v1", new byte[16])));
    assertTrue(shortKek.getMessage().contains("kek.v1 must hold 32 bytes"), shortKek.getMessage());
    assertThrows(
        EnvelopeException.class,
        () ->
            Envelope.seal(
                SecretKeyProvider.fromSecretData("k", SecretKeyProvider.newSecretData()),
                SecretBytes.random(32),
                SecretBytes.random(16),
                context(SecretBytes.random(32), 0)));
  }
}
