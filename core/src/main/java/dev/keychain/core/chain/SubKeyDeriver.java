package dev.keychain.core.chain;

import dev.keychain.core.crypto.Hkdf;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import java.time.Instant;
import java.util.Arrays;
import javax.crypto.Mac;

/**
 * Derives the sub keys of many agents under one group key: HKDF's extract step depends only on the
 * group key, so it runs once here and each sub key costs one HMAC (expand). Not thread-safe: use
 * one per thread. Close it to wipe the extracted key.
 */
public final class SubKeyDeriver implements AutoCloseable {
  private final ChainKey groupKey;
  private final SubKeySize size;
  private final byte[] prk;
  private final Mac expand;
  private final byte[] bindingKey;
  private final Mac binding;

  public SubKeyDeriver(ChainKey groupKey, SubKeySize size) {
    KeyDerivation.requireLevel(groupKey, KeyLevel.GROUP);
    this.groupKey = groupKey;
    this.size = size;
    this.prk =
        groupKey
            .secret(SecretAccess.grant())
            .apply(SecretAccess.grant(), gs -> Hkdf.extract(KeyDerivation.SALT_AGENT, gs));
    this.expand = Hkdf.mac(prk);
    this.bindingKey = KeyDerivation.bindingKey(groupKey);
    this.binding = Hkdf.mac(bindingKey);
  }

  /** Ak with its key ID and binding MAC. */
  public ChainKey derive(String agent, long agentEpoch, Instant now) {
    KeyDerivation.requireEpoch(agentEpoch);
    KeyCoordinates at = groupKey.coordinates().agent(agent);
    SecretBytes secret = SecretBytes.adopt(deriveBytes(at, agentEpoch), SecretAccess.grant());
    KeyId id = KeyId.of(KeyLevel.AGENT, secret);
    byte[] mac =
        binding.doFinal(
            KeyDerivation.bindingMessage(
                groupKey.keyId(), KeyLevel.AGENT, at, agentEpoch, now, id));
    return new ChainKey(KeyLevel.AGENT, at, agentEpoch, now, groupKey.keyId(), mac, secret);
  }

  /** Only the key bytes (the hot path when re-keying a whole group); the caller wipes them. */
  public byte[] deriveBytes(String agent, long agentEpoch) {
    return deriveBytes(groupKey.coordinates().agent(agent), agentEpoch);
  }

  private byte[] deriveBytes(KeyCoordinates at, long agentEpoch) {
    byte[] info =
        KeyDerivation.agentInfo(
            groupKey.coordinates(), groupKey.epoch(), at.agent(), agentEpoch, size.bits());
    return Hkdf.expand(expand, info, size.bytes());
  }

  @Override
  public void close() {
    Arrays.fill(prk, (byte) 0);
    Arrays.fill(bindingKey, (byte) 0);
  }
}
