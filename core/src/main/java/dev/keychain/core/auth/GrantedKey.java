package dev.keychain.core.auth;

import dev.keychain.core.chain.KeyId;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.crypto.SecretBytes;
import java.time.Instant;

/**
 * What an agent receives: its sub key and the key's public metadata. The session number is the
 * SHA-256 of the handshake transcript (the paper's H(Sk)): public, unique per session.
 */
public record GrantedKey(
    SecretBytes key,
    KeyId keyId,
    String chain,
    String group,
    String agent,
    SubKeyEpochs epochs,
    Instant issuedAt,
    Instant expiresAt,
    String sessionNumber) {
  @Override
  public String toString() {
    return "GrantedKey["
        + chain
        + "/"
        + group
        + "/"
        + agent
        + ", id "
        + keyId.shortForm()
        + ", epochs "
        + epochs
        + ", expires "
        + expiresAt
        + "]";
  }
}
