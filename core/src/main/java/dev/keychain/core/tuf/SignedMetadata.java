package dev.keychain.core.tuf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keychain.core.json.CanonicalJson;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.json.UntrustedJson;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One TUF metadata file as served: its exact bytes (whose hashes the parent role pins), the parsed
 * {@code signed} object with its canonical bytes (what the signatures cover), and the signatures.
 */
record SignedMetadata(
    String file,
    String type,
    long version,
    Instant expires,
    UntrustedJson doc,
    JsonNode signed,
    byte[] canonicalSigned,
    List<Signature> signatures,
    byte[] raw) {

  /** One entry of {@code signatures}. */
  record Signature(String keyId, String method, byte[] value) {}

  static final int MAX_SIGNATURES = 64;

  static SignedMetadata parse(byte[] raw, String file, String expectedType) throws TufException {
    try {
      UntrustedJson doc = UntrustedJson.parse(raw, file);
      JsonNode signed = doc.object(doc.root(), "signed", "");
      String type = doc.text(signed, "_type", "signed");
      if (!type.equals(expectedType)) {
        throw doc.error("signed._type", "is " + type + ", expected " + expectedType);
      }
      long version = doc.integer(signed, "version", "signed", 1, Long.MAX_VALUE);
      String expiresText = doc.text(signed, "expires", "signed");
      Instant expires;
      try {
        expires = Instant.parse(expiresText);
      } catch (DateTimeParseException e) {
        throw doc.error("signed.expires", "is not an RFC 3339 UTC time");
      }
      JsonNode sigs = doc.array(doc.root(), "signatures", "");
      if (sigs.size() > MAX_SIGNATURES) {
        throw doc.error("signatures", "more than " + MAX_SIGNATURES + " signatures");
      }
      List<Signature> signatures = new ArrayList<>(sigs.size());
      for (int i = 0; i < sigs.size(); i++) {
        String at = "signatures[" + i + "]";
        JsonNode s = sigs.get(i);
        String keyId = doc.text(s, "keyid", at);
        String method = doc.text(s, "method", at);
        byte[] value;
        try {
          value = Base64.getDecoder().decode(doc.text(s, "sig", at));
        } catch (IllegalArgumentException e) {
          throw doc.error(at + ".sig", "is not base64");
        }
        signatures.add(new Signature(keyId, method, value));
      }
      return new SignedMetadata(
          file, type, version, expires, doc, signed, CanonicalJson.encode(signed), signatures, raw);
    } catch (MalformedJsonException e) {
      throw new TufException(TufException.Reason.MALFORMED, e.getMessage());
    }
  }
}
