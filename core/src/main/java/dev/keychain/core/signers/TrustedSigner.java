package dev.keychain.core.signers;

import dev.keychain.core.keys.KeyIds;
import java.security.PublicKey;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

/**
 * A whitelisted signer: a name for people and a key ID that decides. The public key is needed for
 * cosign signatures (which do not carry the key) and, when given, must be the key the ID names.
 * With a {@code subject}, the signer is a certificate authority (its key, its ID) trusted only for
 * Notary Project signatures whose leaf certificate it issued to exactly that subject, as a Notation
 * trust policy's trust store and trusted identity.
 */
public record TrustedSigner(
    String name, String keyId, Optional<PublicKey> publicKey, Optional<X500Principal> subject) {
  public static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{64}");

  public TrustedSigner(String name, String keyId, Optional<PublicKey> publicKey) {
    this(name, keyId, publicKey, Optional.empty());
  }

  public TrustedSigner {
    if (subject.isPresent() && publicKey.isEmpty()) {
      throw new IllegalArgumentException(
          "signer " + name + ": a subject needs the publicKey (certificate) of its CA");
    }
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
