package dev.keychain.core.envelope;

import java.util.Base64;
import java.util.regex.Pattern;

/**
 * A key at rest: {@code AEAD_KEK(key XOR mask(tenantShare))} with the KEK's ID and the nonce. Text
 * form, as stored in a Secret: {@code kc1.<kekId>.<nonce>.<ciphertext>} (base64url, no padding).
 * Parsing is strict and says which part is wrong.
 */
public record SealedKey(String kekId, byte[] nonce, byte[] ciphertext) {
  private static final String FORMAT = "kc1";
  private static final Pattern KEK_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9/_:-]{0,127}");
  private static final Pattern B64URL = Pattern.compile("[A-Za-z0-9_-]+");

  public SealedKey {
    if (kekId == null || !KEK_ID.matcher(kekId).matches()) {
      throw new EnvelopeException(EnvelopeException.Reason.MALFORMED, "sealed key: invalid KEK ID");
    }
    if (nonce == null || nonce.length != AesGcm.NONCE_BYTES) {
      throw new EnvelopeException(
          EnvelopeException.Reason.MALFORMED, "sealed key: nonce must be 12 bytes");
    }
    if (ciphertext == null || ciphertext.length < 16 + 16 || ciphertext.length > 16 + 64) {
      throw new EnvelopeException(
          EnvelopeException.Reason.MALFORMED,
          "sealed key: ciphertext must hold a 16 to 64 byte key and a 16 byte tag");
    }
    nonce = nonce.clone();
    ciphertext = ciphertext.clone();
  }

  public String encode() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return FORMAT
        + "."
        + kekId
        + "."
        + b64.encodeToString(nonce)
        + "."
        + b64.encodeToString(ciphertext);
  }

  public static SealedKey parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new EnvelopeException(EnvelopeException.Reason.MALFORMED, "sealed key: empty");
    }
    String[] parts = text.trim().split("\\.", -1);
    if (parts.length != 4) {
      throw new EnvelopeException(
          EnvelopeException.Reason.MALFORMED,
          "sealed key: expected 4 dot-separated parts (kc1.<kek>.<nonce>.<ciphertext>), found "
              + parts.length);
    }
    if (!FORMAT.equals(parts[0])) {
      throw new EnvelopeException(
          EnvelopeException.Reason.MALFORMED,
          "sealed key: unknown format '" + abbreviate(parts[0]) + "', expected kc1");
    }
    return new SealedKey(parts[1], decode(parts[2], "nonce"), decode(parts[3], "ciphertext"));
  }

  private static byte[] decode(String part, String what) {
    if (!B64URL.matcher(part).matches()) {
      throw new EnvelopeException(
          EnvelopeException.Reason.MALFORMED, "sealed key: " + what + " is not base64url");
    }
    try {
      return Base64.getUrlDecoder().decode(part);
    } catch (IllegalArgumentException e) {
      throw new EnvelopeException(
          EnvelopeException.Reason.MALFORMED, "sealed key: " + what + " is not base64url");
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 16 ? s.substring(0, 16) + "..." : s;
  }

  @Override
  public String toString() {
    return "SealedKey[" + kekId + "]";
  }
}
