package dev.keychain.core.share;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.envelope.EnvelopeException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class OneTimeKeysTest {
  private static final HexFormat HEX = HexFormat.of();

  private static ShareBinding binding(long version, String... recipients) {
    return new ShareBinding("team-a", "web", "db-creds", version, List.of(recipients));
  }

  private static SecretBytes fixedRandom() {
    byte[] r = new byte[32];
    for (int i = 0; i < r.length; i++) {
      r[i] = (byte) i;
    }
    return SecretBytes.adopt(r, SecretAccess.grant());
  }

  @Test
  void derivesTheVectorComputedIndependently() {
    // HKDF-SHA256 (RFC 5869) by Python's hmac over the same encoding: salt
    // "keychain.dev/v1/keyshare-otk", ikm 00..1f, info the binding's length-prefixed fields.
    ShareBinding b = binding(3, "team-c/worker", "team-b/api");
    assertEquals(
        "000000186b6579636861696e2e6465762f76312f6b65797368617265000000067465616d2d6100000003776562"
            + "0000000864622d63726564730000000800000000000000030000000800000000000000020000000a7465"
            + "616d2d622f6170690000000d7465616d2d632f776f726b6572",
        HEX.formatHex(b.encoded()));
    try (SecretBytes otk = OneTimeKeys.derive(fixedRandom(), b)) {
      assertEquals(
          "b7fed7ced6af92bf0b63378234e77952d21aaeb83ab2baf6ce68c94924231b3e",
          otk.apply(SecretAccess.grant(), HEX::formatHex));
    }
  }

  @Test
  void anotherVersionOrRecipientSetGivesAnotherKey() {
    try (SecretBytes v3 = OneTimeKeys.derive(fixedRandom(), binding(3, "team-b/api"));
        SecretBytes v4 = OneTimeKeys.derive(fixedRandom(), binding(4, "team-b/api"));
        SecretBytes more =
            OneTimeKeys.derive(fixedRandom(), binding(3, "team-b/api", "team-c/worker"))) {
      assertTrue(!v3.sameAs(v4) && !v3.sameAs(more));
    }
    try (SecretBytes a = OneTimeKeys.fresh(binding(1, "team-b/api"));
        SecretBytes b = OneTimeKeys.fresh(binding(1, "team-b/api"))) {
      assertNotEquals(OneTimeKeys.keyId(a), OneTimeKeys.keyId(b), "fresh keys repeat");
    }
  }

  @Test
  void theItemOpensOnlyWithItsKeyAndBinding() {
    ShareBinding b = binding(2, "team-b/api");
    byte[] item = "postgres://db:5432 password=s3cret".getBytes(StandardCharsets.UTF_8);
    try (SecretBytes otk = OneTimeKeys.fresh(b);
        SecretBytes other = OneTimeKeys.fresh(b)) {
      SealedItem sealed = SealedItem.seal(otk, item, b);
      assertArrayEquals(item, sealed.open(otk, b));
      SealedItem decoded = SealedItem.decode(sealed.encode());
      assertArrayEquals(item, decoded.open(otk, b));
      assertThrows(EnvelopeException.class, () -> sealed.open(other, b));
      assertThrows(EnvelopeException.class, () -> sealed.open(otk, binding(3, "team-b/api")));
      assertThrows(
          EnvelopeException.class, () -> sealed.open(otk, binding(2, "team-b/api", "team-x/evil")));
      byte[] tampered = sealed.ciphertext().clone();
      tampered[0] ^= 1;
      assertThrows(
          EnvelopeException.class, () -> new SealedItem(sealed.nonce(), tampered).open(otk, b));
    }
  }

  @Test
  void refusesOversizedItemsAndBadBindingsNamingWhatIsWrong() {
    ShareBinding b = binding(1, "team-b/api");
    try (SecretBytes otk = OneTimeKeys.fresh(b)) {
      assertEquals(
          "shared item is 65537 bytes; at most 65536 are shared",
          assertThrows(
                  IllegalArgumentException.class, () -> SealedItem.seal(otk, new byte[65537], b))
              .getMessage());
    }
    assertEquals(
        "recipient 'Team-B' is not a Kubernetes name (namespace/instance)",
        assertThrows(IllegalArgumentException.class, () -> binding(1, "Team-B")).getMessage());
    assertEquals(
        "recipient team-b/api is listed twice",
        assertThrows(IllegalArgumentException.class, () -> binding(1, "team-b/api", "team-b/api"))
            .getMessage());
    assertEquals(
        "a share needs at least one recipient",
        assertThrows(IllegalArgumentException.class, () -> binding(1)).getMessage());
    assertEquals(
        "share version must be 1 or more, not 0",
        assertThrows(IllegalArgumentException.class, () -> binding(0, "team-b/api")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> SealedItem.decode("nodot"));
    assertThrows(IllegalArgumentException.class, () -> SealedItem.decode("AAAA.@@@"));
  }

  @Test
  void entitlesTheOwnerAndTheRecipientsOnly() {
    ShareBinding b = binding(1, "team-b/api");
    assertTrue(b.entitles("team-a/web"));
    assertTrue(b.entitles("team-b/api"));
    assertTrue(!b.entitles("team-b/other"));
  }
}
