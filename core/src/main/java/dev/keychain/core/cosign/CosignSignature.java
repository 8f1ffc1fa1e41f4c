package dev.keychain.core.cosign;

/** One signature layer of a cosign signature artifact: the payload and the signature over it. */
public record CosignSignature(byte[] payload, byte[] signature) {}
