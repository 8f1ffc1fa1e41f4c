package dev.keychain.operator.chain;

/**
 * Why a chain's keys cannot be used right now, with a CamelCase reason for the Ready condition and
 * a message a user can act on. Never carries key material.
 */
public final class ChainProblem extends RuntimeException {
  private final String reason;

  public ChainProblem(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** The chain has no Secret (no keys) yet. */
  public static ChainProblem notInitialized(dev.keychain.operator.api.v1alpha1.KeyChain chain) {
    return new ChainProblem(
        "ChainNotInitialized", "KeyChain " + chain.getMetadata().getName() + " has no keys yet");
  }

  public String reason() {
    return reason;
  }
}
