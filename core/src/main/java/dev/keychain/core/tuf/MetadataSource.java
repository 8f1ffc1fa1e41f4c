package dev.keychain.core.tuf;

import java.util.Optional;

/** Where TUF metadata comes from: a Notary server, or files in tests and offline tools. */
public interface MetadataSource {
  /**
   * The bytes of {@code role}'s metadata for {@code gun}; by content hash (hex SHA-256) when given,
   * so that what is fetched is what the parent role pinned. At most {@code maxBytes} are read.
   */
  byte[] fetch(String gun, String role, Optional<String> sha256Hex, long maxBytes)
      throws TufException;
}
