package dev.keychain.core.attest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.json.UntrustedJson;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * DSSE v1 envelopes (the signed wrapper of in-toto attestations): the payload, its type, and
 * signatures over the pre-authentication encoding {@code PAE(type, payload)} so that a signature
 * never covers a payload read as another type.
 */
public final class Dsse {
  /** The payload type of in-toto statements. */
  public static final String IN_TOTO = "application/vnd.in-toto+json";

  static final int MAX_SIGNATURES = 16;
  private static final ObjectMapper JSON = new ObjectMapper();

  private Dsse() {}

  /** A parsed envelope; signatures are raw bytes (their key IDs are hints and not used). */
  public record Envelope(String payloadType, byte[] payload, List<byte[]> signatures) {
    public Envelope {
      signatures = List.copyOf(signatures);
    }

    /** The bytes every signature of this envelope signs. */
    public byte[] signedBytes() {
      return pae(payloadType, payload);
    }
  }

  /** {@code "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body}, lengths in ASCII decimal bytes. */
  public static byte[] pae(String payloadType, byte[] body) {
    byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(type.length + body.length + 32);
    out.writeBytes(
        ("DSSEv1 " + type.length + " " + payloadType + " " + body.length + " ")
            .getBytes(StandardCharsets.UTF_8));
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** Parses an envelope; errors name {@code document} and the field that is wrong. */
  public static Envelope parse(byte[] json, String document) throws MalformedJsonException {
    UntrustedJson doc = UntrustedJson.parse(json, document);
    String type = doc.text(doc.root(), "payloadType", "");
    byte[] payload = base64(doc, doc.text(doc.root(), "payload", ""), "payload");
    JsonNode sigs = doc.array(doc.root(), "signatures", "");
    if (sigs.isEmpty()) {
      throw doc.error("signatures", "is empty");
    }
    if (sigs.size() > MAX_SIGNATURES) {
      throw doc.error("signatures", "has more than " + MAX_SIGNATURES + " entries");
    }
    List<byte[]> signatures = new ArrayList<>();
    for (int i = 0; i < sigs.size(); i++) {
      String at = "signatures[" + i + "]";
      signatures.add(base64(doc, doc.text(sigs.get(i), "sig", at), at + ".sig"));
    }
    return new Envelope(type, payload, signatures);
  }

  /** The JSON of an envelope with one signature, as cosign writes it. */
  public static byte[] encode(String payloadType, byte[] payload, byte[] signature) {
    ObjectNode env =
        JSON.createObjectNode()
            .put("payloadType", payloadType)
            .put("payload", Base64.getEncoder().encodeToString(payload));
    env.putArray("signatures")
        .addObject()
        .put("keyid", "")
        .put("sig", Base64.getEncoder().encodeToString(signature));
    return env.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] base64(UntrustedJson doc, String value, String path)
      throws MalformedJsonException {
    try {
      return Base64.getDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      try {
        return Base64.getUrlDecoder().decode(value);
      } catch (IllegalArgumentException e2) {
        throw doc.error(path, "is not base64");
      }
    }
  }
}
