package dev.keychain.operator.chain;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.TreeMap;

/**
 * The epochs of a chain, stored beside its sealed session key (no key material): the root epoch,
 * each group's epoch (with a pending epoch while a rotation is in its first phase), when it last
 * rotated, and whether the group was removed (a re-added group continues from a new epoch, so its
 * old keys never come back).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChainState(
    String sessionKeyId, long rootEpoch, Map<String, Group> groups, String lastRotationRequestId) {

  /** One group's epochs. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Group(long epoch, Long pendingEpoch, String rotatedAt, Boolean removed) {
    public boolean isRemoved() {
      return Boolean.TRUE.equals(removed);
    }
  }

  public ChainState {
    groups = new TreeMap<>(groups);
  }

  public ChainState withGroup(String name, Group group) {
    Map<String, Group> next = new TreeMap<>(groups);
    next.put(name, group);
    return new ChainState(sessionKeyId, rootEpoch, next, lastRotationRequestId);
  }

  public ChainState withLastRotationRequestId(String id) {
    return new ChainState(sessionKeyId, rootEpoch, groups, id);
  }

  public boolean hasPendingRotation() {
    return groups.values().stream().anyMatch(g -> g.pendingEpoch() != null);
  }
}
