package dev.keychain.core.chain;

/**
 * The levels of the key chain (seed 000, Table 5) with the authority level of the paper's
 * authorization table (Table 6): 1 = MAGT (master agent), 2 = IMT (instance manager, one per
 * cluster group), 3 = AGT (per-instance agent). The session key Sk sits above them all.
 */
public enum KeyLevel {
  /** Sk: the chain's stored secret, 256 bits; H(Sk) is the session number. */
  SESSION(0, 32),
  /** Gk: the master key of the chain, derived from Sk and the root epoch. */
  ROOT(1, 32),
  /** GS: one cluster group's key, derived from Gk. */
  GROUP(2, 32),
  /** Ak: one agent's sub key, derived from its group's key; 128 (as in the paper) or 256 bits. */
  AGENT(3, 16),
  /**
   * A one-time key of one KeyShare version (seed 004's OTP): random, bound by HKDF to the share's
   * owner, recipients and version; given to the agents of all of them, so at an agent's level.
   */
  SHARE(3, 32);

  private final int authorityLevel;
  private final int defaultLength;

  KeyLevel(int authorityLevel, int defaultLength) {
    this.authorityLevel = authorityLevel;
    this.defaultLength = defaultLength;
  }

  public int authorityLevel() {
    return authorityLevel;
  }

  int defaultLength() {
    return defaultLength;
  }
}
