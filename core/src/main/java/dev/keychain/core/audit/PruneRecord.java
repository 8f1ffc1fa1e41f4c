package dev.keychain.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The record a writer appends, and checkpoints, before a retention prune: how many records and
 * checkpoints the prune drops and the Merkle root of the dropped records. It is what authorises a
 * {@link PruneMarker}: the marker alone is unauthenticated (anyone who can write the volume can
 * write one), while this record sits among the kept records under their MACs and signatures, so
 * only the writer could have put it there. A verifier accepts a pruned log only when such a record
 * states exactly the marker's prune.
 */
record PruneRecord(long records, long checkpoints, String prunedRoot) {
  static final AuditEventType TYPE = AuditEventType.LOG_PRUNED;
  private static final ObjectMapper JSON = new ObjectMapper();
  // Canonical JSON sorts keys, so "type" comes last: a cheap test before parsing.
  private static final byte[] SUFFIX =
      ("\"type\":\"" + TYPE.wireName() + "\"}").getBytes(StandardCharsets.UTF_8);

  static PruneRecord of(PruneMarker marker) {
    return new PruneRecord(
        marker.records(),
        marker.checkpoints(),
        HexFormat.of().formatHex(PruneMarker.startTree(Optional.of(marker)).root()));
  }

  byte[] canonicalJson(Instant time) {
    return new AuditEvent(
            TYPE,
            time,
            "",
            "AuditLog",
            "",
            "Retention",
            "records 0.."
                + (records - 1)
                + " and "
                + checkpoints
                + " checkpoints are pruned by retention",
            Map.of(
                "prunedRecords", Long.toString(records),
                "prunedCheckpoints", Long.toString(checkpoints),
                "prunedRoot", prunedRoot))
        .canonicalJson();
  }

  boolean matches(PruneMarker marker) {
    return equals(of(marker));
  }

  /** The prune a record states, if it is a LogPruned record. */
  static Optional<PruneRecord> parse(byte[] record) {
    if (!endsWith(record, SUFFIX)) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(record);
      JsonNode a = n.path("attributes");
      return Optional.of(
          new PruneRecord(
              Long.parseLong(a.path("prunedRecords").asText()),
              Long.parseLong(a.path("prunedCheckpoints").asText()),
              a.path("prunedRoot").asText()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean endsWith(byte[] bytes, byte[] suffix) {
    return mayBe(bytes, 0, bytes.length);
  }

  /** Whether {@code length} bytes of {@code data} at {@code offset} could be a LogPruned record. */
  static boolean mayBe(byte[] data, int offset, int length) {
    if (length < SUFFIX.length) {
      return false;
    }
    for (int i = 0; i < SUFFIX.length; i++) {
      if (data[offset + length - SUFFIX.length + i] != SUFFIX[i]) {
        return false;
      }
    }
    return true;
  }
}
