package dev.keychain.core.lifecycle;

/** A lifecycle event that the instance's current state does not allow. */
public final class IllegalTransitionException extends Exception {
  public IllegalTransitionException(String message) {
    super(message);
  }
}
