package dev.keychain.operator.webhook;

import dev.keychain.core.tls.CertificateAuthority;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The serving key manager of the webhook server: every TLS handshake asks it for the current
 * certificate, so a rotation takes effect for the next connection while open connections go on
 * undisturbed.
 */
final class RotatingKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS = "webhook";

  private record Served(X509Certificate[] chain, PrivateKey key) {}

  private final AtomicReference<Served> current = new AtomicReference<>();

  void install(CertificateAuthority.Issued issued) {
    install(List.of(issued.certificate()), issued.key());
  }

  /** Serves {@code chain} (leaf first, then intermediates) with {@code key}. */
  void install(List<X509Certificate> chain, PrivateKey key) {
    current.set(new Served(chain.toArray(X509Certificate[]::new), key));
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  private String alias(String keyType) {
    Served served = current.get();
    return served != null && served.key().getAlgorithm().equals(keyType) ? ALIAS : null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String alias = alias(keyType);
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Served served = current.get();
    return ALIAS.equals(alias) && served != null ? served.chain().clone() : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Served served = current.get();
    return ALIAS.equals(alias) && served != null ? served.key() : null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
