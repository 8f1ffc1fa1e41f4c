package dev.keychain.core.share;

import dev.keychain.core.crypto.Encoder;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What one version of a share is bound to: the owner instance ({@code namespace/owner}), the
 * share's name, its version and the set of recipient instances ({@code namespace/name}, sorted).
 * Its encoding is the HKDF info of the version's one-time key and the associated data of the item
 * sealed with it, so a key or ciphertext moved to another share, version or recipient set does not
 * open.
 */
public record ShareBinding(
    String namespace, String owner, String share, long version, List<String> recipients) {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Pattern RECIPIENT =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  /**
   * @throws IllegalArgumentException naming the field that is not a Kubernetes name, a version
   *     below 1, or an empty or repeated recipient
   */
  public ShareBinding {
    require(namespace, NAME, "namespace");
    require(owner, NAME, "owner");
    require(share, NAME, "share");
    if (version < 1) {
      throw new IllegalArgumentException("share version must be 1 or more, not " + version);
    }
    if (recipients == null || recipients.isEmpty()) {
      throw new IllegalArgumentException("a share needs at least one recipient");
    }
    TreeSet<String> sorted = new TreeSet<>();
    for (String r : recipients) {
      require(r, RECIPIENT, "recipient");
      if (!sorted.add(r)) {
        throw new IllegalArgumentException("recipient " + r + " is listed twice");
      }
    }
    recipients = List.copyOf(sorted);
  }

  private static void require(String value, Pattern pattern, String what) {
    if (value == null || !pattern.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what
              + " '"
              + value
              + "' is not a Kubernetes name"
              + (what.equals("recipient") ? " (namespace/instance)" : ""));
    }
  }

  /** The owner as a recipient spells it: {@code namespace/owner}. */
  public String ownerId() {
    return namespace + "/" + owner;
  }

  /** Whether {@code instance} ({@code namespace/name}) may receive this version. */
  public boolean entitles(String instance) {
    return ownerId().equals(instance) || recipients.contains(instance);
  }

  byte[] encoded() {
    Encoder e =
        Encoder.of("keychain.dev/v1/keyshare")
            .add(namespace)
            .add(owner)
            .add(share)
            .add(version)
            .add(recipients.size());
    recipients.forEach(e::add);
    return e.toByteArray();
  }
}
