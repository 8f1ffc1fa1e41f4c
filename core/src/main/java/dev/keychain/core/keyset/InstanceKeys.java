package dev.keychain.core.keyset;

import dev.keychain.core.lifecycle.AuthorizationRow;
import dev.keychain.core.lifecycle.InstanceState;
import java.util.Objects;

/**
 * One instance's row of a chain's keyset: its authorization row (lifecycle state, restriction,
 * cluster group, timestamps), the sub-key epoch agents are served, the epoch a rotation is moving
 * to (while agents still hold the old one) and the last generation whose Restart was carried out.
 * Epochs and generations only; never key material.
 */
public record InstanceKeys(
    AuthorizationRow row, long subKeyEpoch, Long pendingSubKeyEpoch, long restartedGeneration) {
  public InstanceKeys {
    Objects.requireNonNull(row, "row");
    if (row.clusterGroup().isEmpty()) {
      throw new IllegalArgumentException("group must not be empty");
    }
    if (subKeyEpoch < 0 || restartedGeneration < 0) {
      throw new IllegalArgumentException("epochs and generations must not be negative");
    }
    if (pendingSubKeyEpoch != null && pendingSubKeyEpoch <= subKeyEpoch) {
      throw new IllegalArgumentException(
          "pending sub-key epoch "
              + pendingSubKeyEpoch
              + " must be above the current epoch "
              + subKeyEpoch);
    }
  }

  /** A new instance with {@code row} at epoch {@code firstEpoch}, nothing pending. */
  public static InstanceKeys enrolled(AuthorizationRow row, long firstEpoch) {
    return new InstanceKeys(row, firstEpoch, null, 0);
  }

  public String group() {
    return row.clusterGroup();
  }

  public boolean restricted() {
    return row.restricted();
  }

  public InstanceState state() {
    return row.state();
  }

  /**
   * The highest epoch this row has handed out or promised, which is also the epoch agents are
   * granted: the pending one while a rotation waits for their acknowledgements.
   */
  public long highestEpoch() {
    return pendingSubKeyEpoch == null ? subKeyEpoch : pendingSubKeyEpoch;
  }

  public InstanceKeys withRow(AuthorizationRow next) {
    return new InstanceKeys(next, subKeyEpoch, pendingSubKeyEpoch, restartedGeneration);
  }

  public InstanceKeys withPending(long epoch) {
    return new InstanceKeys(row, subKeyEpoch, epoch, restartedGeneration);
  }

  /**
   * Ends a rotation: the pending epoch becomes the served one. Also how a rotation that timed out
   * ends (the instance is then Stopped): the old epoch is never served again either way.
   */
  public InstanceKeys promoted() {
    return pendingSubKeyEpoch == null
        ? this
        : new InstanceKeys(row, pendingSubKeyEpoch, null, restartedGeneration);
  }

  public InstanceKeys withRestartedGeneration(long generation) {
    return new InstanceKeys(row, subKeyEpoch, pendingSubKeyEpoch, generation);
  }
}
