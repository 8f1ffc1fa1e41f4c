package dev.keychain.core.chain;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a key sits in the chain: the chain's name, the cluster group (for GROUP and AGENT keys) and
 * the agent identity (for AGENT keys), each validated so that derivation inputs are well formed.
 */
public record KeyCoordinates(String chain, String group, String agent) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,252}");

  public KeyCoordinates {
    requireName("chain", Objects.requireNonNull(chain, "chain"));
    if (group != null) {
      requireName("group", group);
    }
    if (agent != null) {
      if (group == null) {
        throw new IllegalArgumentException("an agent key needs a group");
      }
      requireName("agent", agent);
    }
  }

  public static KeyCoordinates chain(String chain) {
    return new KeyCoordinates(chain, null, null);
  }

  public KeyCoordinates group(String name) {
    return new KeyCoordinates(chain, name, null);
  }

  public KeyCoordinates agent(String name) {
    if (group == null) {
      throw new IllegalStateException("agent coordinates need a group");
    }
    return new KeyCoordinates(chain, group, name);
  }

  private static void requireName(String what, String value) {
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what
              + " name '"
              + value
              + "' is invalid: use 1-253 characters of letters, digits and . _ : / -,"
              + " starting with a letter or digit");
    }
  }

  @Override
  public String toString() {
    return chain + (group == null ? "" : "/" + group) + (agent == null ? "" : "/" + agent);
  }
}
