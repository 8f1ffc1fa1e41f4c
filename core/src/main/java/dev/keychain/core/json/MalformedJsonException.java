package dev.keychain.core.json;

/** Untrusted JSON did not have the expected shape; the message names the document and field. */
public final class MalformedJsonException extends Exception {
  public MalformedJsonException(String message) {
    super(message);
  }
}
