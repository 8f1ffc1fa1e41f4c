package dev.keychain.operator.chain;

import dev.keychain.core.envelope.SealedKey;

/**
 * What the chain Secret holds: the sealed session key and the chain's epochs, with the Secret's
 * resourceVersion for optimistic concurrency.
 */
public record SealedChain(SealedKey session, ChainState state, String resourceVersion) {}
