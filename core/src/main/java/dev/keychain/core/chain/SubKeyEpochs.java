package dev.keychain.core.chain;

/**
 * The epochs a sub key is derived at: root, group and agent. Ordered lexicographically, so an agent
 * can tell a newer key from a rolled-back one whichever level was rotated.
 */
public record SubKeyEpochs(long rootEpoch, long groupEpoch, long agentEpoch)
    implements Comparable<SubKeyEpochs> {
  public SubKeyEpochs {
    if (rootEpoch < 0 || groupEpoch < 0 || agentEpoch < 0) {
      throw new IllegalArgumentException("epochs must not be negative");
    }
  }

  @Override
  public int compareTo(SubKeyEpochs other) {
    int c = Long.compare(rootEpoch, other.rootEpoch);
    if (c == 0) {
      c = Long.compare(groupEpoch, other.groupEpoch);
    }
    return c != 0 ? c : Long.compare(agentEpoch, other.agentEpoch);
  }

  public boolean isOlderThan(SubKeyEpochs other) {
    return compareTo(other) < 0;
  }

  @Override
  public String toString() {
    return rootEpoch + "." + groupEpoch + "." + agentEpoch;
  }
}
