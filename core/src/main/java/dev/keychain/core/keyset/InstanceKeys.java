package dev.keychain.core.keyset;

/**
 * One instance's row of a chain's keyset: the group its sub key is derived in, the sub-key epoch
 * agents are served, the epoch a rotation is moving to (while agents still hold the old one),
 * whether the instance is restricted, and the last generation whose Restart was carried out. Epochs
 * and generations only; never key material.
 */
public record InstanceKeys(
    String group,
    long subKeyEpoch,
    Long pendingSubKeyEpoch,
    boolean restricted,
    long restartedGeneration) {
  public InstanceKeys {
    if (group == null || group.isEmpty()) {
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

  /** A new instance in {@code group} at epoch {@code firstEpoch}, nothing pending. */
  public static InstanceKeys enrolled(String group, long firstEpoch) {
    return new InstanceKeys(group, firstEpoch, null, false, 0);
  }

  /** The highest epoch this row has handed out or promised. */
  public long highestEpoch() {
    return pendingSubKeyEpoch == null ? subKeyEpoch : pendingSubKeyEpoch;
  }

  public InstanceKeys withPending(long epoch) {
    return new InstanceKeys(group, subKeyEpoch, epoch, restricted, restartedGeneration);
  }

  /** Finishes a rotation: the pending epoch becomes the served one. */
  public InstanceKeys promoted() {
    return pendingSubKeyEpoch == null
        ? this
        : new InstanceKeys(group, pendingSubKeyEpoch, null, restricted, restartedGeneration);
  }

  public InstanceKeys withRestartedGeneration(long generation) {
    return new InstanceKeys(group, subKeyEpoch, pendingSubKeyEpoch, restricted, generation);
  }
}
