package dev.keychain.core.auth;

import dev.keychain.core.chain.KeyId;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.share.SealedItem;
import dev.keychain.core.share.ShareBinding;

/**
 * A share version an agent received and verified: its binding, its one-time key (whose ID matched
 * the announced one), the item as the operator serves it (sealed under that key) and the item
 * opened with it. The caller owns both secrets and closes this when written.
 */
public record GrantedShare(
    ShareBinding binding, KeyId keyId, SecretBytes oneTimeKey, SealedItem sealed, SecretBytes item)
    implements AutoCloseable {
  /** {@code namespace/share}. */
  public String id() {
    return binding.namespace() + "/" + binding.share();
  }

  @Override
  public void close() {
    oneTimeKey.destroy();
    item.destroy();
  }

  @Override
  public String toString() {
    return "GrantedShare[" + id() + " v" + binding.version() + ", key " + keyId.shortForm() + "]";
  }
}
