package dev.keychain.core.auth;

import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.SubKeyEpochs;
import java.time.Instant;

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
   * and until when the agent may keep using it without talking to the master.
   */
  record Grant(ChainKey subKey, SubKeyEpochs epochs, Instant expiresAt) {}
}
