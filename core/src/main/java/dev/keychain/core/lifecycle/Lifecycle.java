package dev.keychain.core.lifecycle;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The lifecycle rules of seed 000 (Fig. 5) as a pure function from (row, event, time) to a
 * transition:
 *
 * <ul>
 *   <li>Running grants keys; Paused and Stopped restrict them (agents wipe and are refused).
 *   <li>Restart rotates the sub keys and then runs again, or falls back to Stopped if the rotation
 *       could not be completed ({@link LifecycleEvent.RestartOutcome}).
 *   <li>Deleted revokes every key below the instance and is final.
 *   <li>A change of cluster group is a move: keys are re-derived under the new group.
 * </ul>
 *
 * Repeating an event is a no-op, so reconcilers can apply it idempotently.
 */
public final class Lifecycle {
  private Lifecycle() {}

  public static Transition apply(
      Optional<AuthorizationRow> current, LifecycleEvent event, Instant at)
      throws IllegalTransitionException {
    if (event instanceof LifecycleEvent.Create create) {
      return create(current, create, at);
    }
    AuthorizationRow row =
        current.orElseThrow(
            () -> new IllegalTransitionException("instance does not exist yet: create it first"));
    if (row.state() == InstanceState.Deleted) {
      throw new IllegalTransitionException(
          "instance is Deleted: its keys are revoked and it cannot change any more");
    }
    if (event instanceof LifecycleEvent.RequestState request) {
      return request(row, request.state(), at);
    }
    if (event instanceof LifecycleEvent.Move move) {
      return move(row, move.clusterGroup(), at);
    }
    LifecycleEvent.RestartOutcome outcome = (LifecycleEvent.RestartOutcome) event;
    return restartOutcome(row, outcome.rotated(), at);
  }

  private static Transition create(
      Optional<AuthorizationRow> current, LifecycleEvent.Create create, Instant at)
      throws IllegalTransitionException {
    if (current.isPresent()) {
      AuthorizationRow row = current.get();
      if (row.state() == create.state() && row.clusterGroup().equals(create.clusterGroup())) {
        return new Transition(row, List.of(), "no change: instance already exists");
      }
      throw new IllegalTransitionException("instance already exists in state " + row.state());
    }
    InstanceState state = create.state();
    if (state == InstanceState.Deleted) {
      throw new IllegalTransitionException("an instance cannot be created in state Deleted");
    }
    // Nothing to rotate yet: an instance created in Restart simply starts running.
    if (state == InstanceState.Restart) {
      state = InstanceState.Running;
    }
    AuthorizationRow row =
        new AuthorizationRow(
            state, state.restricts(), create.clusterGroup(), Timestamps.createdAt(at));
    return new Transition(
        row,
        List.of(state.restricts() ? KeyAction.RESTRICT : KeyAction.GRANT),
        "created " + state + " in group " + create.clusterGroup());
  }

  private static Transition request(AuthorizationRow row, InstanceState to, Instant at) {
    InstanceState from = row.state();
    if (to == from) {
      return new Transition(row, List.of(), "no change: already " + from);
    }
    return switch (to) {
      case Running ->
          new Transition(
              new AuthorizationRow(to, false, row.clusterGroup(), row.timestamps().changedAt(at)),
              List.of(KeyAction.GRANT),
              from + " -> Running: keys granted");
      case Paused, Stopped ->
          new Transition(
              new AuthorizationRow(to, true, row.clusterGroup(), row.timestamps().changedAt(at)),
              List.of(KeyAction.RESTRICT),
              from + " -> " + to + ": keys restricted");
      case Restart ->
          new Transition(
              new AuthorizationRow(to, true, row.clusterGroup(), row.timestamps().changedAt(at)),
              List.of(KeyAction.RESTRICT, KeyAction.ROTATE_SUB_KEYS),
              from + " -> Restart: sub keys rotating");
      case Deleted ->
          new Transition(
              new AuthorizationRow(to, true, row.clusterGroup(), row.timestamps().deletedAt(at)),
              List.of(KeyAction.REVOKE_SUBTREE),
              from + " -> Deleted: every key below the instance revoked");
    };
  }

  private static Transition restartOutcome(AuthorizationRow row, boolean rotated, Instant at)
      throws IllegalTransitionException {
    if (row.state() != InstanceState.Restart) {
      throw new IllegalTransitionException(
          "restart outcome reported while the instance is " + row.state() + ", not Restart");
    }
    return rotated
        ? new Transition(
            new AuthorizationRow(
                InstanceState.Running, false, row.clusterGroup(), row.timestamps().changedAt(at)),
            List.of(KeyAction.GRANT),
            "Restart -> Running: sub keys rotated, new keys granted")
        : new Transition(
            new AuthorizationRow(
                InstanceState.Stopped, true, row.clusterGroup(), row.timestamps().changedAt(at)),
            List.of(KeyAction.RESTRICT),
            "Restart -> Stopped: rotation could not complete, keys restricted");
  }

  private static Transition move(AuthorizationRow row, String group, Instant at) {
    if (group.equals(row.clusterGroup())) {
      return new Transition(row, List.of(), "no change: already in group " + group);
    }
    List<KeyAction> actions =
        row.restricted()
            ? List.of(KeyAction.REKEY_UNDER_GROUP)
            : List.of(KeyAction.REKEY_UNDER_GROUP, KeyAction.GRANT);
    return new Transition(
        new AuthorizationRow(row.state(), row.restricted(), group, row.timestamps().movedAt(at)),
        actions,
        "moved from group " + row.clusterGroup() + " to " + group + ": keys re-derived");
  }
}
