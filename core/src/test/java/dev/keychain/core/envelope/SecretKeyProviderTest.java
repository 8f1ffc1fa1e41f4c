package dev.keychain.core.envelope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Secret-backed KEKs: loaded from Secret data, wiped when closed. */
class SecretKeyProviderTest {
  @Test
  void closingWipesTheKeksAndRefusesFurtherUse() {
    Map<String, byte[]> data = SecretKeyProvider.newSecretData();
    SecretKeyProvider provider = SecretKeyProvider.fromSecretData("ns/keychain-kek", data);
    data.values().forEach(v -> Arrays.fill(v, (byte) 0));
    byte[] aad = {1, 2, 3};
    KeyProvider.Wrapped w = provider.wrap(new byte[] {42, 43}, aad);
    assertArrayEquals(new byte[] {42, 43}, provider.unwrap(w, aad));
    assertFalse(provider.isClosed());

    provider.close();
    provider.close(); // idempotent

    assertTrue(provider.isClosed(), "every KEK buffer is destroyed");
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> provider.unwrap(w, aad));
    assertTrue(e.getMessage().contains("were closed (wiped)"), e.getMessage());
    assertFalse(e.getMessage().contains("42"), "no key material in the message");
    assertThrows(EnvelopeException.class, () -> provider.wrap(new byte[1], aad));
  }
}
