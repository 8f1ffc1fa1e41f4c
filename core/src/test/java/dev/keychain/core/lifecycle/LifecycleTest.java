package dev.keychain.core.lifecycle;

import static dev.keychain.core.lifecycle.InstanceState.Deleted;
import static dev.keychain.core.lifecycle.InstanceState.Paused;
import static dev.keychain.core.lifecycle.InstanceState.Restart;
import static dev.keychain.core.lifecycle.InstanceState.Running;
import static dev.keychain.core.lifecycle.InstanceState.Stopped;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LifecycleTest {
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  private static final Instant T1 = T0.plusSeconds(10);

  private static AuthorizationRow created(InstanceState state) throws Exception {
    return Lifecycle.apply(Optional.empty(), new LifecycleEvent.Create(state, "A"), T0).row();
  }

  private static Transition request(AuthorizationRow row, InstanceState to) throws Exception {
    return Lifecycle.apply(Optional.of(row), new LifecycleEvent.RequestState(to), T1);
  }

  @Test
  void creatingARunningInstanceGrantsKeys() throws Exception {
    Transition t = Lifecycle.apply(Optional.empty(), new LifecycleEvent.Create(Running, "A"), T0);
    assertEquals(List.of(KeyAction.GRANT), t.actions());
    assertFalse(t.row().restricted());
    assertEquals(3, t.row().authorityLevel());
    assertEquals(new Timestamps(T0, T0, null, null, T0), t.row().timestamps());
  }

  @ParameterizedTest
  @CsvSource({
    "Running, Paused, RESTRICT, true",
    "Running, Stopped, RESTRICT, true",
    "Paused, Running, GRANT, false",
    "Stopped, Running, GRANT, false",
    "Paused, Stopped, RESTRICT, true",
    "Stopped, Paused, RESTRICT, true",
  })
  void stateChangesGrantOrRestrict(
      InstanceState from, InstanceState to, KeyAction action, boolean restricted) throws Exception {
    Transition t = request(created(from), to);
    assertEquals(List.of(action), t.actions());
    assertEquals(to, t.row().state());
    assertEquals(restricted, t.row().restricted());
    assertEquals(T1, t.row().timestamps().changed());
    assertEquals(T1, t.row().timestamps().last());
    assertEquals(T0, t.row().timestamps().created());
  }

  @Test
  void restartRotatesThenRunsAgain() throws Exception {
    Transition restart = request(created(Running), Restart);
    assertEquals(List.of(KeyAction.RESTRICT, KeyAction.ROTATE_SUB_KEYS), restart.actions());
    Transition done =
        Lifecycle.apply(Optional.of(restart.row()), new LifecycleEvent.RestartOutcome(true), T1);
    assertEquals(Running, done.row().state());
    assertEquals(List.of(KeyAction.GRANT), done.actions());
  }

  @Test
  void restartThatCannotRotateFallsBackToStopped() throws Exception {
    Transition restart = request(created(Running), Restart);
    Transition failed =
        Lifecycle.apply(Optional.of(restart.row()), new LifecycleEvent.RestartOutcome(false), T1);
    assertEquals(Stopped, failed.row().state());
    assertTrue(failed.row().restricted());
    assertEquals(List.of(KeyAction.RESTRICT), failed.actions());
  }

  @Test
  void restartOutcomeOutsideRestartIsIllegal() throws Exception {
    IllegalTransitionException e =
        assertThrows(
            IllegalTransitionException.class,
            () ->
                Lifecycle.apply(
                    Optional.of(created(Running)), new LifecycleEvent.RestartOutcome(true), T1));
    assertTrue(e.getMessage().contains("not Restart"), e.getMessage());
  }

  @Test
  void deletionRevokesTheSubtreeAndIsFinal() throws Exception {
    Transition deleted = request(created(Paused), Deleted);
    assertEquals(List.of(KeyAction.REVOKE_SUBTREE), deleted.actions());
    assertEquals(T1, deleted.row().timestamps().deleted());
    for (InstanceState to : InstanceState.values()) {
      if (to == Deleted) {
        continue;
      }
      assertThrows(IllegalTransitionException.class, () -> request(deleted.row(), to));
    }
    assertThrows(
        IllegalTransitionException.class,
        () -> Lifecycle.apply(Optional.of(deleted.row()), new LifecycleEvent.Move("B"), T1));
  }

  @Test
  void movingGroupsReKeysAndStampsM() throws Exception {
    Transition moved =
        Lifecycle.apply(Optional.of(created(Running)), new LifecycleEvent.Move("B"), T1);
    assertEquals("B", moved.row().clusterGroup());
    assertEquals(List.of(KeyAction.REKEY_UNDER_GROUP, KeyAction.GRANT), moved.actions());
    assertEquals(T1, moved.row().timestamps().moved());
    assertEquals(T0, moved.row().timestamps().changed());

    Transition pausedMove =
        Lifecycle.apply(Optional.of(created(Paused)), new LifecycleEvent.Move("B"), T1);
    assertEquals(List.of(KeyAction.REKEY_UNDER_GROUP), pausedMove.actions());
  }

  @Test
  void repeatedEventsAreNoOps() throws Exception {
    AuthorizationRow row = created(Running);
    assertTrue(request(row, Running).isNoOp());
    assertEquals(row, request(row, Running).row());
    assertTrue(Lifecycle.apply(Optional.of(row), new LifecycleEvent.Move("A"), T1).isNoOp());
    assertTrue(
        Lifecycle.apply(Optional.of(row), new LifecycleEvent.Create(Running, "A"), T1).isNoOp());
  }

  @Test
  void invalidCreationsAreRefused() throws Exception {
    assertThrows(
        IllegalTransitionException.class,
        () -> Lifecycle.apply(Optional.empty(), new LifecycleEvent.Create(Deleted, "A"), T0));
    assertThrows(
        IllegalTransitionException.class,
        () -> Lifecycle.apply(Optional.empty(), new LifecycleEvent.RequestState(Running), T0));
    assertEquals(Running, created(Restart).state());
    assertNull(created(Running).timestamps().deleted());
  }
}
