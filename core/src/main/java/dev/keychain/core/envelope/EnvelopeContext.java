package dev.keychain.core.envelope;

import dev.keychain.core.chain.KeyId;
import dev.keychain.core.chain.KeyLevel;
import dev.keychain.core.crypto.Encoder;
import java.util.Objects;

/**
 * What a stored key is: chain, group (empty for chain-level keys), level, epoch and key ID. Bound
 * into the envelope as associated data, so an envelope copied to another place does not open; the
 * key ID also tells a wrong tenant share from a right one.
 */
public record EnvelopeContext(String chain, String group, KeyLevel level, long epoch, KeyId keyId) {
  public EnvelopeContext {
    Objects.requireNonNull(chain, "chain");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(keyId, "keyId");
    group = group == null ? "" : group;
  }

  byte[] associatedData(String kekId) {
    return Encoder.of("keychain.dev/v1/envelope")
        .add(chain)
        .add(group)
        .add(level.name())
        .add(epoch)
        .add(keyId.hex())
        .add(kekId)
        .toByteArray();
  }

  byte[] maskInfo() {
    return Encoder.of("keychain.dev/v1/tenant-mask")
        .add(chain)
        .add(group)
        .add(level.name())
        .add(epoch)
        .toByteArray();
  }
}
