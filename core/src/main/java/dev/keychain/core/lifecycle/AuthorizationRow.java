package dev.keychain.core.lifecycle;

import java.util.Objects;

/**
 * One instance's row of the authorization table (seed 000, Table 6), without the parts that live
 * elsewhere (session number, agent numbers): state, restriction, cluster group, authority level of
 * its keys (3 = AGT) and timestamps.
 */
public record AuthorizationRow(
    InstanceState state, boolean restricted, String clusterGroup, Timestamps timestamps) {
  /** Instance keys are agent (AGT) keys: authority level 3. */
  public static final int AUTHORITY_LEVEL = 3;

  public AuthorizationRow {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(clusterGroup, "clusterGroup");
    Objects.requireNonNull(timestamps, "timestamps");
  }

  public int authorityLevel() {
    return AUTHORITY_LEVEL;
  }
}
