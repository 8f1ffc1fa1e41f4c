package dev.keychain.core.auth;

import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The master's (operator's) long-term identity: a signing key (Ed25519 or ECDSA P-256) and its
 * certificate chain, leaf first, which agents check against the CA bundle injected with them.
 */
public final class MasterIdentity {
  private final TranscriptSignatures.Signer signer;
  private final List<X509Certificate> chain;
  private final List<String> encodedChain;

  public MasterIdentity(PrivateKey key, List<X509Certificate> chain) {
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("master identity needs a certificate");
    }
    this.signer = TranscriptSignatures.signer(key);
    this.chain = List.copyOf(chain);
    List<String> encoded = new ArrayList<>();
    for (X509Certificate c : chain) {
      try {
        encoded.add(Wire.b64(c.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalArgumentException("cannot encode master certificate", e);
      }
    }
    this.encodedChain = List.copyOf(encoded);
  }

  List<String> encodedChain() {
    return encodedChain;
  }

  public X509Certificate certificate() {
    return chain.get(0);
  }

  byte[] sign(byte[] content) {
    return signer.sign(content);
  }

  @Override
  public String toString() {
    return "MasterIdentity[" + certificate().getSubjectX500Principal().getName() + "]";
  }
}
