package dev.keychain.core.keyset;

/**
 * A keyset write that would lower an epoch or a generation. Refused: an epoch that goes down hands
 * agents a key they held before, which is exactly what a restored or tampered copy would do.
 */
public final class EpochRegressionException extends Exception {
  public EpochRegressionException(String message) {
    super(message);
  }
}
