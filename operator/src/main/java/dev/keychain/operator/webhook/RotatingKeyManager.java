package dev.keychain.operator.webhook;

import dev.keychain.core.tls.CertificateAuthority;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
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

  private final AtomicReference<CertificateAuthority.Issued> current = new AtomicReference<>();

  void install(CertificateAuthority.Issued issued) {
    current.set(issued);
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
    CertificateAuthority.Issued issued = current.get();
    return issued != null && issued.key().getAlgorithm().equals(keyType) ? ALIAS : null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String alias = alias(keyType);
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    CertificateAuthority.Issued issued = current.get();
    return ALIAS.equals(alias) && issued != null
        ? new X509Certificate[] {issued.certificate()}
        : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    CertificateAuthority.Issued issued = current.get();
    return ALIAS.equals(alias) && issued != null ? issued.key() : null;
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
