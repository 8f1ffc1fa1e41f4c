package dev.keychain.core.signers;

import dev.keychain.core.keys.KeyIds;
import java.security.PublicKey;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A whitelisted signer: a name for people and a key ID that decides. The public key is needed for
 * cosign signatures (which do not carry the key) and, when given, must be the key the ID names.
 */
public record TrustedSigner(String name, String keyId, Optional<PublicKey> publicKey) {
  public static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{64}");

  public TrustedSigner {
    if (!KEY_ID.matcher(keyId).matches()) {
      throw new IllegalArgumentException(
          "signer " + name + ": key ID must be 64 lowercase hex digits");
    }
    if (publicKey.isPresent() && !KeyIds.of(publicKey.get()).contains(keyId)) {
      throw new IllegalArgumentException(
          "signer "
              + name
              + ": key ID "
              + keyId
              + " does not name its public key (whose IDs are "
              + String.join(", ", KeyIds.of(publicKey.get()))
              + ")");
    }
  }

  /** Whether a found key with these IDs is this signer's key. */
  boolean matches(FoundSigner found) {
    return found.keyIds().contains(keyId);
  }
}
