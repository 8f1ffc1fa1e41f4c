package dev.keychain.core.auth;

import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.share.SealedItem;
import dev.keychain.core.share.ShareBinding;
import java.time.Instant;
import java.util.List;

/**
 * The master's policy, called once the handshake is verified: validates the agent's identity token
 * (in the operator, with the TokenReview API), checks that the agent may have a key now (its
 * instance is Running, it is not revoked) and returns its current sub key. Refusals are {@link
 * AuthFailure}s with reason INVALID_TOKEN, RESTRICTED, REVOKED or UNAVAILABLE.
 */
@FunctionalInterface
public interface GrantDecider {
  Grant decide(String identityToken) throws AuthFailure;

  /**
   * A sub key to grant (the handshake encrypts it, then destroys it), the epochs it was derived at,
   * until when the agent may keep using it without talking to the master, and, for an agent that
   * asked for them, the share versions its instance is entitled to (their one-time keys are
   * destroyed with the sub key) and the shares withheld for now ({@code namespace/share}).
   */
  record Grant(
      ChainKey subKey,
      SubKeyEpochs epochs,
      Instant expiresAt,
      List<ShareDelivery> shares,
      List<String> withheld) {
    public Grant {
      shares = List.copyOf(shares);
      withheld = List.copyOf(withheld);
    }

    public Grant(ChainKey subKey, SubKeyEpochs epochs, Instant expiresAt) {
      this(subKey, epochs, expiresAt, List.of(), List.of());
    }

    /** Destroys the sub key and every one-time key. */
    public void destroy() {
      subKey.destroy();
      shares.forEach(s -> s.oneTimeKey().destroy());
    }
  }

  /** A share version to deliver: its binding, its one-time key, its item sealed with that key. */
  record ShareDelivery(ShareBinding binding, SecretBytes oneTimeKey, SealedItem item) {}
}
