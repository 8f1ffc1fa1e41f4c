package dev.keychain.core.envelope;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AuthProvider;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.Provider;
import java.security.Security;
import java.util.Arrays;
import java.util.Collections;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.KeyGenerator;
import javax.security.auth.login.LoginException;

/**
 * KEKs on a PKCS#11 token (an HSM; tested with SoftHSM2) through the JDK's SunPKCS11 provider. KEKs
 * are AES-256 token objects labelled {@code <label>-v<N>}, generated on the token as sensitive and
 * non-extractable: encryption and decryption happen inside the token and the KEK never leaves it.
 */
public final class Pkcs11KeyProvider implements KeyProvider {
  public static final String PREFIX = "pkcs11/";

  private final Provider provider;
  private final KeyStore store;
  private final String label;
  private final Pattern alias;
  private final TreeMap<Integer, Key> keks = new TreeMap<>();
  private volatile boolean closed;

  private Pkcs11KeyProvider(Provider provider, KeyStore store, String label) {
    this.provider = provider;
    this.store = store;
    this.label = label;
    this.alias = Pattern.compile(Pattern.quote(label) + "-v([1-9][0-9]{0,8})");
    load();
  }

  /**
   * Opens the token in {@code slot} of the PKCS#11 module {@code library}, logs in with {@code pin}
   * (wiped by the caller afterwards), and loads the KEKs labelled {@code label-v<N>}.
   */
  public static Pkcs11KeyProvider open(Path library, long slot, char[] pin, String label) {
    if (!label.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      throw new IllegalArgumentException("invalid KEK label '" + label + "'");
    }
    Provider provider = configure(library, slot);
    try {
      KeyStore store = KeyStore.getInstance("PKCS11", provider);
      store.load(null, pin);
      return new Pkcs11KeyProvider(provider, store, label);
    } catch (IOException | GeneralSecurityException e) {
      throw new EnvelopeException(
          EnvelopeException.Reason.PROVIDER_FAILURE,
          "cannot log in to PKCS#11 slot " + slot + " of " + library + ": " + e.getMessage(),
          e);
    }
  }

  /** SunPKCS11 bound to one slot, with every secret key it creates sensitive and unextractable. */
  private static Provider configure(Path library, long slot) {
    String config =
        "name = keychain-"
            + slot
            + "\nlibrary = "
            + library.toAbsolutePath()
            + "\nslot = "
            + slot
            + "\nattributes(*, CKO_SECRET_KEY, *) = {\n"
            + "  CKA_SENSITIVE = true\n"
            + "  CKA_EXTRACTABLE = false\n"
            + "}\n";
    try {
      Path file = Files.createTempFile("keychain-pkcs11-", ".cfg");
      try {
        Files.writeString(file, config);
        return Security.getProvider("SunPKCS11").configure(file.toString());
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      throw new EnvelopeException(
          EnvelopeException.Reason.PROVIDER_FAILURE,
          "cannot load PKCS#11 module " + library + " for slot " + slot + ": " + e.getMessage(),
          e);
    }
  }

  private void load() {
    try {
      for (String name : Collections.list(store.aliases())) {
        Matcher m = alias.matcher(name);
        if (m.matches() && store.isKeyEntry(name)) {
          keks.put(Integer.parseInt(m.group(1)), store.getKey(name, null));
        }
      }
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(
          EnvelopeException.Reason.PROVIDER_FAILURE, "cannot list token keys: " + e, e);
    }
  }

  /** Generates a new AES-256 KEK on the token as the next version, which becomes primary. */
  public String generateKek() {
    int version = keks.isEmpty() ? 1 : keks.lastKey() + 1;
    try {
      KeyGenerator generator = KeyGenerator.getInstance("AES", provider);
      generator.init(256);
      String name = label + "-v" + version;
      store.setKeyEntry(name, generator.generateKey(), null, null);
      keks.put(version, store.getKey(name, null));
      return PREFIX + name;
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(
          EnvelopeException.Reason.PROVIDER_FAILURE, "cannot generate KEK on token: " + e, e);
    }
  }

  /** Whether the token holds at least one KEK for this label. */
  public boolean hasKek() {
    return !keks.isEmpty();
  }

  /** Whether the primary KEK's bytes can be read from outside the token (they must not be). */
  boolean primaryKekExtractable() {
    return keks.lastEntry().getValue().getEncoded() != null;
  }

  @Override
  public String primaryKekId() {
    if (keks.isEmpty()) {
      throw new EnvelopeException(
          EnvelopeException.Reason.UNKNOWN_KEK, "no KEK labelled " + label + "-v<N> on the token");
    }
    return PREFIX + label + "-v" + keks.lastKey();
  }

  @Override
  public boolean holds(String kekId) {
    return version(kekId) != null;
  }

  private Integer version(String kekId) {
    if (kekId == null || !kekId.startsWith(PREFIX)) {
      return null;
    }
    Matcher m = alias.matcher(kekId.substring(PREFIX.length()));
    if (!m.matches()) {
      return null;
    }
    Integer v = Integer.valueOf(m.group(1));
    return keks.containsKey(v) ? v : null;
  }

  @Override
  public Wrapped wrap(byte[] plaintext, byte[] associatedData) {
    requireOpen();
    String kekId = primaryKekId();
    byte[] nonce = AesGcm.nonce();
    byte[] ct =
        AesGcm.encrypt(provider, keks.lastEntry().getValue(), nonce, plaintext, associatedData);
    return new Wrapped(kekId, nonce, ct);
  }

  @Override
  public byte[] unwrap(Wrapped wrapped, byte[] associatedData) {
    requireOpen();
    Integer v = version(wrapped.kekId());
    if (v == null) {
      throw new EnvelopeException(
          EnvelopeException.Reason.UNKNOWN_KEK,
          "KEK " + wrapped.kekId() + " is not on the token (label " + label + ")");
    }
    return AesGcm.decrypt(
        provider,
        keks.get(v),
        wrapped.nonce(),
        wrapped.ciphertext(),
        associatedData,
        "envelope sealed with " + wrapped.kekId());
  }

  /**
   * Drops the handles of the token's KEKs and logs out of the token; the provider refuses to wrap
   * or unwrap afterwards. Idempotent. (The KEK bytes never left the token: nothing to wipe here.)
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    keks.clear();
    if (provider instanceof AuthProvider auth) {
      try {
        auth.logout();
      } catch (LoginException e) {
        // The session ends with the process; nothing usable is left in this object either way.
      }
    }
  }

  public boolean isClosed() {
    return closed;
  }

  private void requireOpen() {
    if (closed) {
      throw new EnvelopeException(
          EnvelopeException.Reason.PROVIDER_FAILURE,
          "the PKCS#11 provider for label " + label + " was closed");
    }
  }

  @Override
  public String toString() {
    return "Pkcs11KeyProvider["
        + label
        + ", KEKs "
        + Arrays.toString(keks.keySet().toArray())
        + "]";
  }
}
