package dev.keychain.core.auth;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What an agent trusts: the CA certificates of the bundle injected with it. A master is trusted if
 * its certificate chain validates to one of them (PKIX, at the agent's current time) and the leaf's
 * key verifies the transcript signature.
 */
public final class MasterTrust {
  private final Set<TrustAnchor> anchors;

  private MasterTrust(Set<TrustAnchor> anchors) {
    this.anchors = anchors;
  }

  /** Parses a PEM bundle of CA certificates; an empty or malformed bundle is an error. */
  public static MasterTrust fromPemBundle(String pem) {
    try {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
      Set<TrustAnchor> anchors = new HashSet<>();
      for (Certificate c : certificates) {
        anchors.add(new TrustAnchor((X509Certificate) c, null));
      }
      if (anchors.isEmpty()) {
        throw new IllegalArgumentException("CA bundle holds no certificate");
      }
      return new MasterTrust(anchors);
    } catch (CertificateException e) {
      throw new IllegalArgumentException("CA bundle is not valid PEM: " + e.getMessage(), e);
    }
  }

  public static MasterTrust of(X509Certificate... cas) {
    Set<TrustAnchor> anchors = new HashSet<>();
    for (X509Certificate ca : cas) {
      anchors.add(new TrustAnchor(ca, null));
    }
    return new MasterTrust(anchors);
  }

  /** Validates the chain and the signature; returns the leaf certificate. */
  X509Certificate verify(List<String> encodedChain, byte[] content, byte[] signature, Instant now)
      throws AuthFailure {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (String der : encodedChain) {
        chain.add(
            (X509Certificate)
                factory.generateCertificate(
                    new ByteArrayInputStream(Wire.unb64(der, "certificate", -1))));
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new AuthFailure(AuthFailure.Reason.MALFORMED, "master certificate cannot be parsed");
    }
    X509Certificate leaf = chain.get(0);
    try {
      CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(chain);
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(now));
      CertPathValidator.getInstance("PKIX").validate(path, params);
    } catch (CertPathValidatorException e) {
      throw new AuthFailure(
          AuthFailure.Reason.UNTRUSTED_MASTER,
          "master certificate "
              + leaf.getSubjectX500Principal().getName()
              + " is not trusted: "
              + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new AuthFailure(
          AuthFailure.Reason.UNTRUSTED_MASTER, "cannot validate master certificate: " + e);
    }
    try {
      Signature verifier =
          Signature.getInstance(
              MasterIdentity.signatureAlgorithm(leaf.getPublicKey().getAlgorithm()));
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(content);
      if (!verifier.verify(signature)) {
        throw new AuthFailure(
            AuthFailure.Reason.BAD_SIGNATURE,
            "master signature over the handshake does not verify with the key of "
                + leaf.getSubjectX500Principal().getName());
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new AuthFailure(
          AuthFailure.Reason.BAD_SIGNATURE,
          "master signature cannot be verified: " + e.getMessage());
    }
    return leaf;
  }
}
