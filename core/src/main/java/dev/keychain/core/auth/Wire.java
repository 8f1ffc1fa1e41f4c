package dev.keychain.core.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Base64;

/**
 * JSON form of the handshake messages, strict for untrusted input: unknown or missing fields,
 * nulls, trailing data, wrong lengths and oversized bodies are all errors that name the problem.
 */
public final class Wire {
  /** Largest message accepted; an identity token is a few KiB, a certificate chain a few more. */
  public static final int MAX_MESSAGE_BYTES = 64 * 1024;

  /** Largest grant bundle: {@link Messages#MAX_SHARES} items of up to 64 KiB, in base64. */
  public static final int MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .build();

  static {
    MAPPER
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(8)
                // a sealed item of 64 KiB is about 88 KiB of base64; messages stay bounded above
                .maxStringLength(2 * MAX_MESSAGE_BYTES)
                .build());
  }

  private Wire() {}

  public static String toJson(Object message) {
    try {
      return MAPPER.writeValueAsString(message);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + message.getClass().getSimpleName(), e);
    }
  }

  /** Parses an untrusted message of the given type. */
  public static <T> T parse(String json, Class<T> type) throws AuthFailure {
    String name = type.getSimpleName();
    if (json == null || json.isBlank()) {
      throw new AuthFailure(AuthFailure.Reason.MALFORMED, name + ": empty message");
    }
    int limit = type == Messages.GrantBundle.class ? MAX_BUNDLE_BYTES : MAX_MESSAGE_BYTES;
    if (json.length() > limit) {
      throw new AuthFailure(
          AuthFailure.Reason.MALFORMED,
          name + ": message of " + json.length() + " bytes exceeds " + limit);
    }
    try {
      return MAPPER.readValue(json, type);
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause();
      throw new AuthFailure(
          AuthFailure.Reason.MALFORMED,
          name + ": " + (cause != null ? cause.getMessage() : e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      throw new AuthFailure(AuthFailure.Reason.MALFORMED, name + ": " + e.getOriginalMessage());
    }
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Decodes a base64url field of exactly {@code length} bytes (any length if negative). */
  static byte[] unb64(String field, String name, int length) {
    if (field == null) {
      throw new IllegalArgumentException(name + " is missing");
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(field);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + " is not base64url");
    }
    if (length >= 0 && bytes.length != length) {
      throw new IllegalArgumentException(
          name + " must be " + length + " bytes, is " + bytes.length);
    }
    return bytes;
  }

  static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
