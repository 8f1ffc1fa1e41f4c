package dev.keychain.operator.chain;

import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.KeyDerivation;
import dev.keychain.core.chain.KeyId;
import dev.keychain.core.chain.SubKeySize;
import java.time.Instant;

/**
 * A chain whose session key is open in memory for the duration of one reconcile or grant: derives
 * key IDs and sub keys, and wipes the session key on close.
 */
public final class OpenChain implements AutoCloseable {
  private final ChainKey session;
  private final SealedChain sealed;

  OpenChain(ChainKey session, SealedChain sealed) {
    this.session = session;
    this.sealed = sealed;
  }

  public SealedChain sealed() {
    return sealed;
  }

  public ChainState state() {
    return sealed.state();
  }

  /** H(Sk), the session number. */
  public KeyId sessionNumber() {
    return session.keyId();
  }

  public KeyId rootKeyId() {
    try (ChainKey root = KeyDerivation.root(session, state().rootEpoch(), Instant.now())) {
      return root.keyId();
    }
  }

  public KeyId groupKeyId(String group, long groupEpoch) {
    Instant now = Instant.now();
    try (ChainKey root = KeyDerivation.root(session, state().rootEpoch(), now);
        ChainKey key = KeyDerivation.group(root, group, groupEpoch, now)) {
      return key.keyId();
    }
  }

  /** An agent's sub key; the caller destroys it. */
  public ChainKey subKey(
      String group, long groupEpoch, String agent, long agentEpoch, SubKeySize size) {
    Instant now = Instant.now();
    try (ChainKey root = KeyDerivation.root(session, state().rootEpoch(), now);
        ChainKey key = KeyDerivation.group(root, group, groupEpoch, now)) {
      return KeyDerivation.agent(key, agent, agentEpoch, size, now);
    }
  }

  @Override
  public void close() {
    session.destroy();
  }
}
