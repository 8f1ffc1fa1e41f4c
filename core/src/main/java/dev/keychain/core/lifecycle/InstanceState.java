package dev.keychain.core.lifecycle;

/** An application instance's state (seed 000, Fig. 5 and Table 6). */
public enum InstanceState {
  Running,
  Paused,
  Stopped,
  Restart,
  Deleted;

  /** Whether agents of an instance in this state are refused keys and must wipe what they hold. */
  public boolean restricts() {
    return this != Running;
  }
}
