package dev.keychain.core.lifecycle;

/** What a lifecycle transition does to the instance's keys. */
public enum KeyAction {
  /** Agents may enrol and receive their current sub keys. */
  GRANT,
  /** Agents are refused and wipe their keys; the keys stay derivable for a later GRANT. */
  RESTRICT,
  /** Every agent of the instance moves to a new sub-key epoch (two-phase in the operator). */
  ROTATE_SUB_KEYS,
  /** Every key below the instance is revoked for good. */
  REVOKE_SUBTREE,
  /** The instance's agents get keys under a different cluster group's key. */
  REKEY_UNDER_GROUP
}
