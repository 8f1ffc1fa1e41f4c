package dev.keychain.core.envelope;

import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;

/**
 * The default provider: 256-bit KEKs held in memory, loaded from the data of a Kubernetes Secret
 * whose entries are named {@code kek.v<N>} (32 raw bytes each). The highest version is primary; a
 * rotation adds {@code kek.v<N+1>} and rewraps, then the old entry can be dropped.
 */
public final class SecretKeyProvider implements KeyProvider {
  public static final String PREFIX = "k8s-secret/";
  private static final Pattern ENTRY = Pattern.compile("kek\\.v([1-9][0-9]{0,8})");

  private final TreeMap<Integer, SecretBytes> keks;
  private final String name;
  private volatile boolean closed;

  private SecretKeyProvider(String name, TreeMap<Integer, SecretBytes> keks) {
    this.name = name;
    this.keks = keks;
  }

  /**
   * Loads KEKs from Secret data. Entries not named {@code kek.v<N>} are ignored; a KEK entry of a
   * length other than 32 bytes is an error naming the entry.
   */
  public static SecretKeyProvider fromSecretData(String secretName, Map<String, byte[]> data) {
    TreeMap<Integer, SecretBytes> keks = new TreeMap<>(Comparator.naturalOrder());
    for (Map.Entry<String, byte[]> entry : data.entrySet()) {
      Matcher m = ENTRY.matcher(entry.getKey());
      if (!m.matches()) {
        continue;
      }
      if (entry.getValue().length != 32) {
        throw new EnvelopeException(
            EnvelopeException.Reason.MALFORMED,
            "secret "
                + secretName
                + " entry "
                + entry.getKey()
                + " must hold 32 bytes (a 256-bit KEK), has "
                + entry.getValue().length);
      }
      keks.put(
          Integer.parseInt(m.group(1)), SecretBytes.copyOf(entry.getValue(), SecretAccess.grant()));
    }
    if (keks.isEmpty()) {
      throw new EnvelopeException(
          EnvelopeException.Reason.UNKNOWN_KEK,
          "secret " + secretName + " holds no KEK entry named kek.v<N>");
    }
    return new SecretKeyProvider(secretName, keks);
  }

  /** Secret data with one fresh random KEK, {@code kek.v1}, for creating the Secret. */
  public static Map<String, byte[]> newSecretData() {
    try (SecretBytes kek = SecretBytes.random(32)) {
      return Map.of("kek.v1", kek.toByteArray(SecretAccess.grant()));
    }
  }

  /** Secret data with a new primary KEK added (for rotation); the caller stores it. */
  public Map<String, byte[]> withNewKek() {
    TreeMap<String, byte[]> data = new TreeMap<>();
    keks.forEach((v, k) -> data.put("kek.v" + v, k.toByteArray(SecretAccess.grant())));
    try (SecretBytes kek = SecretBytes.random(32)) {
      data.put("kek.v" + (keks.lastKey() + 1), kek.toByteArray(SecretAccess.grant()));
    }
    return data;
  }

  @Override
  public String primaryKekId() {
    return PREFIX + "v" + keks.lastKey();
  }

  @Override
  public boolean holds(String kekId) {
    return version(kekId) != null;
  }

  private Integer version(String kekId) {
    if (kekId == null || !kekId.startsWith(PREFIX + "v")) {
      return null;
    }
    try {
      Integer v = Integer.valueOf(kekId.substring(PREFIX.length() + 1));
      return keks.containsKey(v) ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public Wrapped wrap(byte[] plaintext, byte[] associatedData) {
    requireOpen();
    byte[] nonce = AesGcm.nonce();
    SecretBytes kek = keks.lastEntry().getValue();
    byte[] ct =
        kek.apply(
            SecretAccess.grant(),
            k ->
                AesGcm.encrypt(
                    null, new SecretKeySpec(k, "AES"), nonce, plaintext, associatedData));
    return new Wrapped(primaryKekId(), nonce, ct);
  }

  @Override
  public byte[] unwrap(Wrapped wrapped, byte[] associatedData) {
    requireOpen();
    Integer v = version(wrapped.kekId());
    if (v == null) {
      throw new EnvelopeException(
          EnvelopeException.Reason.UNKNOWN_KEK,
          "KEK " + wrapped.kekId() + " is not in secret " + name);
    }
    return keks.get(v)
        .apply(
            SecretAccess.grant(),
            k ->
                AesGcm.decrypt(
                    null,
                    new SecretKeySpec(k, "AES"),
                    wrapped.nonce(),
                    wrapped.ciphertext(),
                    associatedData,
                    "envelope sealed with " + wrapped.kekId()));
  }

  /** Zeroes every KEK; the provider refuses to wrap or unwrap afterwards. Idempotent. */
  @Override
  public void close() {
    closed = true;
    keks.values().forEach(SecretBytes::destroy);
  }

  /** Whether {@link #close} wiped the KEKs. */
  public boolean isClosed() {
    return closed && keks.values().stream().allMatch(SecretBytes::isDestroyed);
  }

  private void requireOpen() {
    if (closed) {
      throw new EnvelopeException(
          EnvelopeException.Reason.PROVIDER_FAILURE,
          "the KEKs of secret " + name + " were closed (wiped); load them again");
    }
  }

  @Override
  public String toString() {
    return "SecretKeyProvider[" + name + ", KEKs " + Arrays.toString(keks.keySet().toArray()) + "]";
  }
}
