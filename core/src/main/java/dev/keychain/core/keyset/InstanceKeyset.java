package dev.keychain.core.keyset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.json.CanonicalJson;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.json.UntrustedJson;
import dev.keychain.core.lifecycle.AuthorizationRow;
import dev.keychain.core.lifecycle.InstanceState;
import dev.keychain.core.lifecycle.Timestamps;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The key state of every instance of one chain, as it is stored (one document per chain, written
 * with optimistic concurrency by the caller). Immutable; every change returns a new keyset.
 *
 * <p>Epochs only go up, per instance name: a row is refused if it would lower the served or pending
 * sub-key epoch or the restarted generation. A deleted instance leaves its highest epoch behind, so
 * an instance re-created under the same name starts above every key its predecessor was served.
 */
public final class InstanceKeyset {
  static final int FORMAT = 1;
  private static final long MAX = Long.MAX_VALUE;

  private final Map<String, InstanceKeys> instances;
  private final Map<String, Long> retired;

  private InstanceKeyset(Map<String, InstanceKeys> instances, Map<String, Long> retired) {
    this.instances = Collections.unmodifiableMap(new TreeMap<>(instances));
    this.retired = Collections.unmodifiableMap(new TreeMap<>(retired));
  }

  public static InstanceKeyset empty() {
    return new InstanceKeyset(Map.of(), Map.of());
  }

  /** The row key of an instance: its namespace and name. */
  public static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  public Optional<InstanceKeys> get(String namespace, String name) {
    return Optional.ofNullable(instances.get(key(namespace, name)));
  }

  public Map<String, InstanceKeys> instances() {
    return instances;
  }

  /** The epoch a new row under this name must start at: above anything a predecessor held. */
  public long firstEpochFor(String namespace, String name) {
    Long last = retired.get(key(namespace, name));
    return last == null ? 0 : last + 1;
  }

  /**
   * This keyset with {@code keys} as the instance's row.
   *
   * @throws EpochRegressionException if the row would lower an epoch or generation
   */
  public InstanceKeyset with(String namespace, String name, InstanceKeys keys)
      throws EpochRegressionException {
    String key = key(namespace, name);
    InstanceKeys current = instances.get(key);
    if (current != null) {
      requireNotLower(key, "subKeyEpoch", current.subKeyEpoch(), keys.subKeyEpoch());
      requireNotLower(key, "highest epoch", current.highestEpoch(), keys.highestEpoch());
      requireNotLower(
          key, "restartedGeneration", current.restartedGeneration(), keys.restartedGeneration());
    } else if (retired.containsKey(key) && keys.subKeyEpoch() <= retired.get(key)) {
      throw new EpochRegressionException(
          key
              + ": subKeyEpoch "
              + keys.subKeyEpoch()
              + " was already served to a deleted instance of that name (up to "
              + retired.get(key)
              + ")");
    }
    if (keys.equals(current)) {
      return this;
    }
    Map<String, InstanceKeys> next = new TreeMap<>(instances);
    next.put(key, keys);
    Map<String, Long> nextRetired = new TreeMap<>(retired);
    nextRetired.remove(key);
    return new InstanceKeyset(next, nextRetired);
  }

  /** This keyset without the instance's row; its highest epoch is remembered. */
  public InstanceKeyset without(String namespace, String name) {
    String key = key(namespace, name);
    InstanceKeys current = instances.get(key);
    if (current == null) {
      return this;
    }
    Map<String, InstanceKeys> next = new TreeMap<>(instances);
    next.remove(key);
    Map<String, Long> nextRetired = new TreeMap<>(retired);
    nextRetired.put(key, current.highestEpoch());
    return new InstanceKeyset(next, nextRetired);
  }

  /** Canonical JSON: the same keyset always encodes to the same bytes. */
  public byte[] encode() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("format", FORMAT);
    ObjectNode rows = root.putObject("instances");
    instances.forEach(
        (k, v) -> {
          ObjectNode row = rows.putObject(k);
          row.put("state", v.state().name());
          row.put("restricted", v.restricted());
          row.put("group", v.group());
          ObjectNode times = row.putObject("timestamps");
          Timestamps t = v.row().timestamps();
          putInstant(times, "created", t.created());
          putInstant(times, "changed", t.changed());
          putInstant(times, "deleted", t.deleted());
          putInstant(times, "moved", t.moved());
          putInstant(times, "last", t.last());
          row.put("subKeyEpoch", v.subKeyEpoch());
          if (v.pendingSubKeyEpoch() != null) {
            row.put("pendingSubKeyEpoch", v.pendingSubKeyEpoch());
          }
          row.put("restartedGeneration", v.restartedGeneration());
        });
    ObjectNode gone = root.putObject("retired");
    retired.forEach(gone::put);
    try {
      return CanonicalJson.encode(root);
    } catch (MalformedJsonException e) {
      throw new IllegalStateException("keyset is not encodable", e);
    }
  }

  /**
   * Parses a stored keyset; {@code document} names it in errors.
   *
   * @throws MalformedJsonException naming the first thing wrong; nothing is half-read
   */
  public static InstanceKeyset decode(byte[] bytes, String document) throws MalformedJsonException {
    UntrustedJson json = UntrustedJson.parse(bytes, document);
    JsonNode root = json.root();
    long format = json.integer(root, "format", "", 1, MAX);
    if (format != FORMAT) {
      throw json.error("format", "unsupported keyset format " + format + " (this build reads 1)");
    }
    Map<String, InstanceKeys> rows = new TreeMap<>();
    JsonNode list = json.object(root, "instances", "");
    for (Iterator<Map.Entry<String, JsonNode>> it = list.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = "instances." + e.getKey();
      requireKey(json, e.getKey(), path);
      JsonNode row = e.getValue();
      if (!row.isObject()) {
        throw json.error(path, "must be an object");
      }
      JsonNode pending = row.get("pendingSubKeyEpoch");
      try {
        rows.put(
            e.getKey(),
            new InstanceKeys(
                readRow(json, row, path),
                json.integer(row, "subKeyEpoch", path, 0, MAX),
                pending == null || pending.isNull()
                    ? null
                    : json.integer(row, "pendingSubKeyEpoch", path, 0, MAX),
                json.integer(row, "restartedGeneration", path, 0, MAX)));
      } catch (IllegalArgumentException bad) {
        throw json.error(path, bad.getMessage());
      }
    }
    Map<String, Long> retired = new TreeMap<>();
    JsonNode gone = json.object(root, "retired", "");
    for (Iterator<Map.Entry<String, JsonNode>> it = gone.fields(); it.hasNext(); ) {
      String k = it.next().getKey();
      requireKey(json, k, "retired." + k);
      if (rows.containsKey(k)) {
        throw json.error("retired." + k, "is also a live instance");
      }
      retired.put(k, json.integer(gone, k, "retired", 0, MAX));
    }
    return new InstanceKeyset(rows, retired);
  }

  private static void putInstant(ObjectNode node, String field, Instant at) {
    if (at != null) {
      node.put(field, at.toString());
    }
  }

  private static AuthorizationRow readRow(UntrustedJson json, JsonNode row, String path)
      throws MalformedJsonException {
    String stateName = json.text(row, "state", path);
    InstanceState state;
    try {
      state = InstanceState.valueOf(stateName);
    } catch (IllegalArgumentException unknown) {
      throw json.error(path + ".state", "unknown lifecycle state " + stateName);
    }
    JsonNode restricted = row.get("restricted");
    if (restricted == null || !restricted.isBoolean()) {
      throw json.error(path + ".restricted", "must be true or false");
    }
    JsonNode times = json.object(row, "timestamps", path);
    String at = path + ".timestamps";
    return new AuthorizationRow(
        state,
        restricted.booleanValue(),
        json.text(row, "group", path),
        new Timestamps(
            instant(json, times, "created", at),
            instant(json, times, "changed", at),
            instant(json, times, "deleted", at),
            instant(json, times, "moved", at),
            instant(json, times, "last", at)));
  }

  private static Instant instant(UntrustedJson json, JsonNode times, String field, String path)
      throws MalformedJsonException {
    JsonNode value = times.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw json.error(path + "." + field, "must be an ISO-8601 instant");
    }
    try {
      return Instant.parse(value.textValue());
    } catch (DateTimeParseException bad) {
      throw json.error(path + "." + field, "is not an ISO-8601 instant: " + value.textValue());
    }
  }

  private static void requireKey(UntrustedJson json, String key, String path)
      throws MalformedJsonException {
    int slash = key.indexOf('/');
    if (slash <= 0 || slash == key.length() - 1 || key.indexOf('/', slash + 1) >= 0) {
      throw json.error(path, "must be namespace/name");
    }
  }

  private static void requireNotLower(String key, String what, long current, long proposed)
      throws EpochRegressionException {
    if (proposed < current) {
      throw new EpochRegressionException(
          key + ": " + what + " would go down from " + current + " to " + proposed);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InstanceKeyset other
        && instances.equals(other.instances)
        && retired.equals(other.retired);
  }

  @Override
  public int hashCode() {
    return instances.hashCode() * 31 + retired.hashCode();
  }
}
