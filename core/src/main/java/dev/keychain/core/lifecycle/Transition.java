package dev.keychain.core.lifecycle;

import java.util.List;

/** The outcome of an event: the new row, what to do to the keys (in order), and why, in words. */
public record Transition(AuthorizationRow row, List<KeyAction> actions, String description) {
  public Transition {
    actions = List.copyOf(actions);
  }

  /** Whether the event changed nothing (an idempotent repeat). */
  public boolean isNoOp() {
    return actions.isEmpty() && description.startsWith("no change");
  }
}
