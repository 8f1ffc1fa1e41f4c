package dev.keychain.operator.chain;

import dev.keychain.core.envelope.SealedKey;
import dev.keychain.core.keyset.InstanceKeyset;

/**
 * What the chain Secret holds: the sealed session key, the chain's epochs and the key state of
 * every instance of the chain (the store of record for what agents are granted), with the Secret's
 * resourceVersion for optimistic concurrency.
 */
public record SealedChain(
    SealedKey session, ChainState state, InstanceKeyset instances, String resourceVersion) {}
