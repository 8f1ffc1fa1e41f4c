package dev.keychain.core.auth;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.List;

/**
 * The handshake's messages (protocol version 1). Byte fields are base64url without padding;
 * timestamps are milliseconds since the epoch. Each record validates its fields when constructed,
 * so a parsed message is well formed (see {@link Wire}).
 */
public final class Messages {
  public static final int VERSION = 1;
  static final int KEY_BYTES = 32;
  static final int NONCE_BYTES = 32;
  static final int SESSION_ID_BYTES = 16;
  static final int MAC_BYTES = 32;

  private Messages() {}

  static void checkVersion(int v) {
    Wire.require(v == VERSION, "unsupported protocol version " + v + " (this side speaks 1)");
  }

  /** Agent to master: who I am (an opaque token), my ephemeral X25519 key, a nonce, my time. */
  public record AgentHello(int v, String token, String ephemeralKey, String nonce, long timestamp) {
    public AgentHello {
      checkVersion(v);
      Wire.require(token != null && !token.isBlank(), "token is missing");
      Wire.require(token.length() <= 16 * 1024, "token is longer than 16 KiB");
      Wire.unb64(ephemeralKey, "ephemeralKey", KEY_BYTES);
      Wire.unb64(nonce, "nonce", NONCE_BYTES);
      Wire.require(timestamp > 0, "timestamp must be positive");
    }
  }

  /**
   * Master to agent: session ID, ephemeral key, nonce, time, the master's certificate chain (DER,
   * leaf first) and its signature over the transcript.
   */
  public record MasterHello(
      int v,
      String sessionId,
      String ephemeralKey,
      String nonce,
      long timestamp,
      List<String> certificates,
      String signature) {
    public MasterHello {
      checkVersion(v);
      Wire.unb64(sessionId, "sessionId", SESSION_ID_BYTES);
      Wire.unb64(ephemeralKey, "ephemeralKey", KEY_BYTES);
      Wire.unb64(nonce, "nonce", NONCE_BYTES);
      Wire.require(timestamp > 0, "timestamp must be positive");
      Wire.require(
          certificates != null && !certificates.isEmpty() && certificates.size() <= 8,
          "certificates must hold 1 to 8 entries");
      certificates.forEach(c -> Wire.unb64(c, "certificate", -1));
      certificates = List.copyOf(certificates);
      Wire.require(Wire.unb64(signature, "signature", -1).length <= 512, "signature too long");
    }
  }

  /** Agent to master: proof that the agent derived the same session keys. */
  public record AgentConfirm(int v, String sessionId, String mac) {
    public AgentConfirm {
      checkVersion(v);
      Wire.unb64(sessionId, "sessionId", SESSION_ID_BYTES);
      Wire.unb64(mac, "mac", MAC_BYTES);
    }
  }

  /**
   * Master to agent: the sub key, encrypted under the session's grant key, with its public metadata
   * and the master's key-confirmation MAC over all of it.
   */
  public record KeyGrant(
      int v,
      String sessionId,
      String chain,
      String group,
      String agent,
      String keyId,
      long rootEpoch,
      long groupEpoch,
      long agentEpoch,
      long issuedAt,
      long expiresAt,
      String nonce,
      String ciphertext,
      String mac) {
    public KeyGrant {
      checkVersion(v);
      Wire.unb64(sessionId, "sessionId", SESSION_ID_BYTES);
      Wire.require(chain != null && group != null && agent != null, "chain, group, agent required");
      Wire.require(keyId != null && keyId.matches("[0-9a-f]{64}"), "keyId must be 64 hex chars");
      Wire.require(rootEpoch >= 0 && groupEpoch >= 0 && agentEpoch >= 0, "negative epoch");
      Wire.require(issuedAt > 0 && expiresAt > issuedAt, "expiresAt must follow issuedAt");
      Wire.unb64(nonce, "nonce", 12);
      int n = Wire.unb64(ciphertext, "ciphertext", -1).length;
      Wire.require(n == 16 + 16 || n == 32 + 16, "ciphertext must hold a 128 or 256 bit key");
      Wire.unb64(mac, "mac", MAC_BYTES);
    }
  }

  /**
   * Master to agent: no key, and why. The MAC (under the session's master confirmation key) is
   * present once the session keys exist; an agent acts on a refusal (wiping its key) only if it
   * verifies.
   */
  public record Refusal(
      int v,
      @JsonSetter(nulls = Nulls.AS_EMPTY) String sessionId,
      String reason,
      String message,
      @JsonSetter(nulls = Nulls.AS_EMPTY) String mac) {
    public Refusal {
      // Absent before the session exists; null on the wire reads as empty, both mean absent.
      sessionId = sessionId == null || sessionId.isEmpty() ? null : sessionId;
      mac = mac == null || mac.isEmpty() ? null : mac;
      checkVersion(v);
      if (sessionId != null) {
        Wire.unb64(sessionId, "sessionId", SESSION_ID_BYTES);
      }
      try {
        AuthFailure.Reason.valueOf(reason);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("unknown refusal reason " + reason);
      }
      Wire.require(message != null && message.length() <= 1024, "message missing or too long");
      if (mac != null) {
        Wire.unb64(mac, "mac", MAC_BYTES);
      }
    }
  }
}
