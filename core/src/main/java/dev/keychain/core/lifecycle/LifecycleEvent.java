package dev.keychain.core.lifecycle;

/** What can happen to an instance. */
public sealed interface LifecycleEvent {
  /** The instance appears, in a desired state and group. */
  record Create(InstanceState state, String clusterGroup) implements LifecycleEvent {}

  /** The desired state changes. */
  record RequestState(InstanceState state) implements LifecycleEvent {}

  /** The instance moves to another cluster group. */
  record Move(String clusterGroup) implements LifecycleEvent {}

  /** A restart finished: its sub keys were rotated, or the rotation could not be completed. */
  record RestartOutcome(boolean rotated) implements LifecycleEvent {}
}
