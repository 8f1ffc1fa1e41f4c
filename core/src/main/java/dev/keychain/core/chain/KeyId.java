package dev.keychain.core.chain;

import dev.keychain.core.crypto.Encoder;
import dev.keychain.core.crypto.Hashes;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A key's public name: SHA-256 over a domain label, the key's level and the key, in hex. It
 * identifies a key without revealing it (keys are 128 or 256 random-looking bits), and the label
 * keeps it from equalling any other hash of the same bytes.
 */
public record KeyId(String hex) {
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  public KeyId {
    if (hex == null || !HEX64.matcher(hex).matches()) {
      throw new IllegalArgumentException("key ID must be 64 lowercase hex characters");
    }
  }

  public static KeyId of(KeyLevel level, SecretBytes key) {
    return key.apply(
        SecretAccess.grant(),
        bytes ->
            new KeyId(
                HexFormat.of()
                    .formatHex(
                        Hashes.sha256(
                            Encoder.of("keychain.dev/v1/key-id").add(level.name()).toByteArray(),
                            bytes))));
  }

  public static KeyId parse(String hex) {
    return new KeyId(hex);
  }

  /** The first 16 hex characters, for log lines and printer columns. */
  public String shortForm() {
    return hex.substring(0, 16);
  }

  @Override
  public String toString() {
    return hex;
  }
}
