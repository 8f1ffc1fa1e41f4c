package dev.keychain.core.crypto;

/**
 * The token every read of secret bytes must present, as Tink's {@code SecretKeyAccess}: it makes
 * each place that touches key material explicit and easy to find ({@code grep SecretAccess}).
 */
public final class SecretAccess {
  private static final SecretAccess INSTANCE = new SecretAccess();

  private SecretAccess() {}

  /** Call sites that may read key material ask for the token by name. */
  public static SecretAccess grant() {
    return INSTANCE;
  }
}
