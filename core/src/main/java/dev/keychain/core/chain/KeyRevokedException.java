package dev.keychain.core.chain;

/** A key was asked for below a revoked node of the chain. Names the node, never key material. */
public final class KeyRevokedException extends RuntimeException {
  public KeyRevokedException(String message) {
    super(message);
  }
}
