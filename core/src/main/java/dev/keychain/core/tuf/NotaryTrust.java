package dev.keychain.core.tuf;

import java.util.List;

/**
 * What a repository's verified trust data says: every signed target of every role that verified,
 * and the delegation roles that were listed but could not be used, each with the reason.
 */
public record NotaryTrust(
    String gun, long timestampVersion, List<SignedTarget> targets, List<String> unusableRoles) {
  public List<SignedTarget> named(String target) {
    return targets.stream().filter(t -> t.name().equals(target)).toList();
  }

  public List<SignedTarget> withDigest(String digest) {
    return targets.stream().filter(t -> t.digest().equals(digest)).toList();
  }
}
