package dev.keychain.scenarios;

/** A scenario's expectation not met, with what was observed instead. */
public final class ScenarioFailure extends RuntimeException {
  public ScenarioFailure(String message) {
    super(message);
  }

  public ScenarioFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
