package dev.keychain.core.auth;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  /** A chain that validated, with the window in which that result holds. */
  private record Validated(X509Certificate leaf, Instant notBefore, Instant notAfter) {}

  // Agents handshake again and again with the same operator: keep the last few validated chains
  // (keyed by their exact encoding) while every certificate in them is within its validity.
  private final Map<List<String>, Validated> validated =
      Collections.synchronizedMap(
          new LinkedHashMap<>(8, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<List<String>, Validated> eldest) {
              return size() > 8;
            }
          });

  /** Validates the chain (or finds it validated) and the signature; returns the leaf. */
  X509Certificate verify(List<String> encodedChain, byte[] content, byte[] signature, Instant now)
      throws AuthFailure {
    Validated chain = validated.get(encodedChain);
    if (chain == null || now.isBefore(chain.notBefore()) || now.isAfter(chain.notAfter())) {
      chain = validate(encodedChain, now);
      validated.put(List.copyOf(encodedChain), chain);
    }
    X509Certificate leaf = chain.leaf();
    boolean valid;
    try {
      valid = TranscriptSignatures.verify(leaf.getPublicKey(), content, signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new AuthFailure(
          AuthFailure.Reason.BAD_SIGNATURE,
          "master signature cannot be verified: " + e.getMessage());
    }
    if (!valid) {
      throw new AuthFailure(
          AuthFailure.Reason.BAD_SIGNATURE,
          "master signature over the handshake does not verify with the key of "
              + leaf.getSubjectX500Principal().getName());
    }
    return leaf;
  }

  private Validated validate(List<String> encodedChain, Instant now) throws AuthFailure {
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
      PKIXCertPathValidatorResult result =
          (PKIXCertPathValidatorResult)
              CertPathValidator.getInstance("PKIX").validate(path, params);
      Instant notBefore = Instant.MIN;
      Instant notAfter = result.getTrustAnchor().getTrustedCert().getNotAfter().toInstant();
      for (X509Certificate c : chain) {
        notBefore = max(notBefore, c.getNotBefore().toInstant());
        notAfter = min(notAfter, c.getNotAfter().toInstant());
      }
      return new Validated(leaf, notBefore, notAfter);
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
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
