package dev.keychain.core.envelope;

import dev.keychain.core.crypto.Encoder;
import java.util.Objects;

/**
 * What an envelope of a key the operator holds for itself is bound to (an audit log's keys, say): a
 * purpose that names the kind of key, its owner, its role and index. Such keys have no tenant
 * share: the KEK alone opens them, and the associated data ties each to its place, so an envelope
 * moved to another log, role or index does not open.
 */
public record OwnedKeyContext(String purpose, String owner, String role, long index) {
  public OwnedKeyContext {
    Objects.requireNonNull(purpose, "purpose");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(role, "role");
  }

  byte[] associatedData(String kekId) {
    return Encoder.of(purpose).add(owner).add(role).add(index).add(kekId).toByteArray();
  }

  @Override
  public String toString() {
    return purpose + " " + owner + " " + role + "@" + index;
  }
}
