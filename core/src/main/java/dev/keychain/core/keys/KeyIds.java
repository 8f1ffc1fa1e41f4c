package dev.keychain.core.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The identifiers one public key goes by. Notary names a key by the SHA-256 of its canonical JSON
 * form ({@code {"keytype":..,"keyval":{"private":null,"public":..}}}); for a certificate-backed key
 * the TUF metadata uses the certificate's form while {@code notary key list}, {@code notary
 * delegation list} and {@code docker trust inspect} print the "canonical" ID of the bare public
 * key. cosign and most tools use the SHA-256 of the DER SubjectPublicKeyInfo. A whitelisted key ID
 * may be any of them; all name the same key, so a threshold counts the key once.
 */
public final class KeyIds {
  private static final byte[] ED25519_SPKI_PREFIX =
      HexFormat.of().parseHex("302a300506032b6570032100");

  private KeyIds() {}

  /** Notary's ID of a key given as its TUF key type and base64 public value. */
  public static String notaryId(String keyType, String publicBase64) {
    String json =
        "{\"keytype\":\""
            + keyType
            + "\",\"keyval\":{\"private\":null,\"public\":\""
            + publicBase64
            + "\"}}";
    return sha256Hex(json.getBytes(StandardCharsets.UTF_8));
  }

  /** Notary's canonical ID of a bare public key (what the notary CLI prints). */
  public static String notaryCanonicalId(PublicKey key) {
    String type =
        switch (key.getAlgorithm()) {
          case "EC" -> "ecdsa";
          case "RSA" -> "rsa";
          case "Ed25519", "EdDSA" -> "ed25519";
          default -> throw new IllegalArgumentException("unsupported key " + key.getAlgorithm());
        };
    byte[] value = type.equals("ed25519") ? ed25519Raw(key) : key.getEncoded();
    return notaryId(type, Base64.getEncoder().encodeToString(value));
  }

  /** SHA-256 of the DER SubjectPublicKeyInfo, hex (cosign's and OpenSSL's fingerprint). */
  public static String spkiFingerprint(PublicKey key) {
    return sha256Hex(key.getEncoded());
  }

  /** Every ID the bare key goes by. */
  public static Set<String> of(PublicKey key) {
    Set<String> ids = new LinkedHashSet<>();
    ids.add(notaryCanonicalId(key));
    ids.add(spkiFingerprint(key));
    return ids;
  }

  /** The 32-byte Ed25519 public key inside its SubjectPublicKeyInfo. */
  public static byte[] ed25519Raw(PublicKey key) {
    byte[] spki = key.getEncoded();
    if (spki.length != ED25519_SPKI_PREFIX.length + 32
        || !Arrays.equals(spki, 0, ED25519_SPKI_PREFIX.length, ED25519_SPKI_PREFIX, 0, 12)) {
      throw new IllegalArgumentException("not an Ed25519 public key");
    }
    return Arrays.copyOfRange(spki, ED25519_SPKI_PREFIX.length, spki.length);
  }

  /** The SubjectPublicKeyInfo of a raw 32-byte Ed25519 public key. */
  public static byte[] ed25519Spki(byte[] raw) {
    if (raw.length != 32) {
      throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, not " + raw.length);
    }
    byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + 32);
    System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, 32);
    return spki;
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
