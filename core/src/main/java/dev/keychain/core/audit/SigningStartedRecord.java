package dev.keychain.core.audit;

import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

/**
 * The record a writer appends when it starts signing a log whose checkpoints so far are unsigned:
 * the public key that signs from here on, and the size of the last unsigned checkpoint. It sits
 * under the first signed checkpoint, so the statement is itself signed.
 */
final class SigningStartedRecord {
  static final AuditEventType TYPE = AuditEventType.SIGNING_STARTED;

  private SigningStartedRecord() {}

  static byte[] canonicalJson(byte[] publicKey, long unsignedUpTo, Instant time) {
    return new AuditEvent(
            TYPE,
            time,
            "",
            "AuditLog",
            "",
            "CheckpointSigning",
            "checkpoints are signed from here on; those up to size "
                + unsignedUpTo
                + " were written unsigned",
            Map.of(
                "publicKey", HexFormat.of().formatHex(publicKey),
                "unsignedUpToSize", Long.toString(unsignedUpTo)))
        .canonicalJson();
  }
}
