package dev.keychain.core.notation;

/** A Notary Project signature envelope that is malformed or unacceptable; the message says why. */
public final class NotationFormatException extends Exception {
  public NotationFormatException(String message) {
    super(message);
  }
}
