package dev.keychain.core.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.chain.KeyId;
import dev.keychain.core.chain.KeyLevel;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.testing.fixtures.SoftHsmToken;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HSM key provider against a real PKCS#11 token (SoftHSM2). */
class Pkcs11KeyProviderTest {
  @TempDir Path dir;

  @Test
  void closedProviderRefusesToWrapAndUnwrap() {
    try (SoftHsmToken token = SoftHsmToken.create(dir)) {
      Pkcs11KeyProvider hsm =
          Pkcs11KeyProvider.open(token.library(), token.slot(), token.pin(), "kc");
      hsm.generateKek();
      KeyProvider.Wrapped w = hsm.wrap(new byte[32], new byte[0]);
      hsm.close();
      hsm.close(); // idempotent
      assertTrue(hsm.isClosed());
      EnvelopeException e = assertThrows(EnvelopeException.class, () -> hsm.unwrap(w, new byte[0]));
      assertTrue(e.getMessage().contains("was closed"), e.getMessage());
      assertThrows(EnvelopeException.class, () -> hsm.wrap(new byte[32], new byte[0]));
    }
  }

  @Test
  void kekIsGeneratedOnTheTokenAndNeverLeavesIt() {
    try (SoftHsmToken token = SoftHsmToken.create(dir)) {
      Pkcs11KeyProvider hsm =
          Pkcs11KeyProvider.open(token.library(), token.slot(), token.pin(), "kc");
      assertFalse(hsm.hasKek());
      assertEquals("pkcs11/kc-v1", hsm.generateKek());
      assertFalse(hsm.primaryKekExtractable(), "KEK bytes must not be readable outside the token");

      SecretBytes key = SecretBytes.random(32);
      SecretBytes share = SecretBytes.random(32);
      EnvelopeContext context =
          new EnvelopeContext("t", "A", KeyLevel.GROUP, 0, KeyId.of(KeyLevel.GROUP, key));
      SealedKey sealed = Envelope.seal(hsm, key, share, context);
      assertEquals("pkcs11/kc-v1", sealed.kekId());
      assertTrue(Envelope.open(hsm, sealed, share, context).sameAs(key));

      // A second session on the same token finds the persisted KEK.
      Pkcs11KeyProvider again =
          Pkcs11KeyProvider.open(token.library(), token.slot(), token.pin(), "kc");
      assertTrue(
          Envelope.open(again, SealedKey.parse(sealed.encode()), share, context).sameAs(key));
    }
  }

  @Test
  void kekRotationOnTheTokenRewrapsEnvelopes() {
    try (SoftHsmToken token = SoftHsmToken.create(dir)) {
      Pkcs11KeyProvider hsm =
          Pkcs11KeyProvider.open(token.library(), token.slot(), token.pin(), "kc");
      hsm.generateKek();
      SecretBytes key = SecretBytes.random(16);
      SecretBytes share = SecretBytes.random(32);
      EnvelopeContext context =
          new EnvelopeContext("t", "", KeyLevel.AGENT, 3, KeyId.of(KeyLevel.AGENT, key));
      SealedKey old = Envelope.seal(hsm, key, share, context);
      assertEquals("pkcs11/kc-v2", hsm.generateKek());
      SealedKey rewrapped = Envelope.rewrap(hsm, old, context);
      assertEquals("pkcs11/kc-v2", rewrapped.kekId());
      assertTrue(Envelope.open(hsm, rewrapped, share, context).sameAs(key));
      assertTrue(Envelope.open(hsm, old, share, context).sameAs(key), "v1 still on the token");

      byte[] ct = rewrapped.ciphertext();
      ct[0] ^= 0x40;
      EnvelopeException tampered =
          assertThrows(
              EnvelopeException.class,
              () ->
                  Envelope.open(
                      hsm,
                      new SealedKey(rewrapped.kekId(), rewrapped.nonce(), ct),
                      share,
                      context));
      assertEquals(EnvelopeException.Reason.AUTHENTICATION_FAILED, tampered.reason());
    }
  }

  @Test
  void wrongPinIsAClearProviderFailure() {
    try (SoftHsmToken token = SoftHsmToken.create(dir)) {
      EnvelopeException e =
          assertThrows(
              EnvelopeException.class,
              () ->
                  Pkcs11KeyProvider.open(
                      token.library(), token.slot(), "not-the-pin".toCharArray(), "kc"));
      assertEquals(EnvelopeException.Reason.PROVIDER_FAILURE, e.reason());
      assertTrue(e.getMessage().contains("cannot log in to PKCS#11 slot"), e.getMessage());
    }
  }
}
