package dev.keychain.core.auth;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.keychain.core.share.SealedItem;
import dev.keychain.core.share.ShareBinding;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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

  /** Most share versions one grant carries (served and withheld together). */
  public static final int MAX_SHARES = 32;

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

  /**
   * One share version for an agent whose instance it entitles (seed 004 steps 7 to 9 and 14): what
   * it is bound to, its one-time key encrypted under the session's grant key ({@code ciphertext},
   * AES-GCM with {@code nonce}, bound to the session, the key grant and every other field), and the
   * item sealed under the one-time key exactly as the operator stores it ({@code item}).
   */
  public record ShareGrant(
      String namespace,
      String share,
      String owner,
      long version,
      List<String> recipients,
      String keyId,
      String nonce,
      String ciphertext,
      String item) {
    public ShareGrant {
      ShareBinding binding = new ShareBinding(namespace, owner, share, version, recipients);
      recipients = binding.recipients();
      Wire.require(keyId != null && keyId.matches("[0-9a-f]{64}"), "keyId must be 64 hex chars");
      Wire.unb64(nonce, "nonce", 12);
      Wire.unb64(ciphertext, "ciphertext", KEY_BYTES + 16);
      SealedItem.decode(item);
    }

    /** What the version is bound to. */
    public ShareBinding binding() {
      return new ShareBinding(namespace, owner, share, version, recipients);
    }

    /** {@code namespace/share}. */
    public String id() {
      return namespace + "/" + share;
    }
  }

  /**
   * Master to an agent that asked for shares ({@link AgentApi#GRANT_BUNDLE}): the key grant, the
   * share versions its instance is entitled to, the shares it keeps but cannot be served now
   * ({@code withheld}, {@code namespace/share}: keep what you hold), and the master's MAC over all
   * of it, so no share can be dropped, added or moved from another session.
   */
  public record GrantBundle(
      int v, KeyGrant grant, List<ShareGrant> shares, List<String> withheld, String mac) {
    public GrantBundle {
      checkVersion(v);
      Wire.require(grant != null, "grant is missing");
      Wire.require(shares != null && withheld != null, "shares and withheld are required");
      Wire.require(
          shares.size() + withheld.size() <= MAX_SHARES,
          "at most " + MAX_SHARES + " shares in one grant");
      Set<String> seen = new HashSet<>();
      for (ShareGrant s : shares) {
        Wire.require(s != null, "a share is null");
        Wire.require(seen.add(s.id()), "share " + s.id() + " is listed twice");
      }
      for (String w : withheld) {
        Wire.require(
            w != null && w.matches("[a-z0-9][-a-z0-9]{0,62}/[a-z0-9][-a-z0-9.]{0,252}"),
            "withheld entries are namespace/share");
        Wire.require(seen.add(w), "share " + w + " is listed twice");
      }
      shares = List.copyOf(shares);
      withheld = List.copyOf(withheld);
      Wire.unb64(mac, "mac", MAC_BYTES);
    }
  }
}
