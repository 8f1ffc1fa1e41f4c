package dev.keychain.core.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small X.509 CA (ECDSA P-256): the operator's own root for its webhook serving certificates and
 * its master identity, so that no external issuer is needed. The CA key lives where the caller
 * keeps it (the operator: a Secret); issued leaf keys are generated here and never leave memory.
 */
public final class CertificateAuthority {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate certificate;
  private final PrivateKey key;

  private CertificateAuthority(X509Certificate certificate, PrivateKey key) {
    this.certificate = certificate;
    this.key = key;
  }

  /** A certificate and the private key for it. */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    public Instant notBefore() {
      return certificate.getNotBefore().toInstant();
    }

    public Instant notAfter() {
      return certificate.getNotAfter().toInstant();
    }

    /** The point after which the certificate is due for renewal: two thirds of its lifetime. */
    public Instant renewAt() {
      Duration life = Duration.between(notBefore(), notAfter());
      return notBefore().plus(life.multipliedBy(2).dividedBy(3));
    }
  }

  /** A new self-signed CA valid from now (less a minute for clock skew) for {@code validity}. */
  public static CertificateAuthority create(String commonName, Duration validity, Instant now) {
    KeyPair keys = newKeyPair();
    try {
      X500Name name = new X500Name("CN=" + commonName);
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              name,
              serial(),
              Date.from(now.minusSeconds(60)),
              Date.from(now.plus(validity)),
              name,
              keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      X509Certificate cert = sign(builder, keys.getPrivate());
      return new CertificateAuthority(cert, keys.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot create CA certificate", e);
    }
  }

  /** Loads a CA from its PEM certificate and PEM (PKCS#8) key; errors name what is wrong. */
  public static CertificateAuthority fromPem(String certificatePem, String keyPem) {
    List<X509Certificate> certs = Pem.certificates(certificatePem, "CA certificate");
    PrivateKey key = Pem.privateKey(keyPem, "CA key");
    X509Certificate cert = certs.get(0);
    if (cert.getBasicConstraints() < 0) {
      throw new IllegalArgumentException("CA certificate is not a CA (basicConstraints)");
    }
    return new CertificateAuthority(cert, key);
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public Issued asIssued() {
    return new Issued(certificate, key);
  }

  /** A TLS server certificate for DNS names and IP addresses, issued now. */
  public Issued issueServer(String commonName, List<String> sans, Duration validity, Instant now) {
    List<GeneralName> names = new ArrayList<>();
    for (String san : sans) {
      names.add(
          isIpAddress(san)
              ? new GeneralName(GeneralName.iPAddress, san)
              : new GeneralName(GeneralName.dNSName, san));
    }
    return issue(
        commonName,
        validity,
        now,
        KeyUsage.digitalSignature,
        KeyPurposeId.id_kp_serverAuth,
        names.isEmpty() ? null : new GeneralNames(names.toArray(GeneralName[]::new)),
        newKeyPair());
  }

  /**
   * A signing identity (no TLS use): the operator's master identity for the agent handshake. Its
   * key is Ed25519, which signs and verifies each handshake several times faster than P-256 on the
   * JDK; the certificate itself is signed by the CA's P-256 key and validated once per chain.
   */
  public Issued issueIdentity(String commonName, Duration validity, Instant now) {
    return issue(commonName, validity, now, KeyUsage.digitalSignature, null, null, ed25519());
  }

  private Issued issue(
      String commonName,
      Duration validity,
      Instant now,
      int keyUsage,
      KeyPurposeId purpose,
      ASN1Encodable subjectAltNames,
      KeyPair keys) {
    Instant notAfter = now.plus(validity);
    if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
      notAfter = certificate.getNotAfter().toInstant(); // never outlive the issuer
    }
    try {
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              certificate,
              serial(),
              Date.from(now.minusSeconds(60)),
              Date.from(notAfter),
              new javax.security.auth.x500.X500Principal("CN=" + commonName),
              keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
      if (purpose != null) {
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      }
      if (subjectAltNames != null) {
        builder.addExtension(Extension.subjectAlternativeName, false, subjectAltNames);
      }
      builder.addExtension(
          Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
      return new Issued(sign(builder, key), keys.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue certificate for " + commonName, e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an EC P-256 key", e);
    }
  }

  private static KeyPair ed25519() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an Ed25519 key", e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static boolean isIpAddress(String san) {
    return san.matches("[0-9.]+") || san.contains(":");
  }

  /** PEM encoding and strict decoding of certificates and PKCS#8 keys. */
  public static final class Pem {
    private Pem() {}

    public static String encode(X509Certificate... certificates) {
      return write((Object[]) certificates);
    }

    public static String encode(PrivateKey key) {
      try {
        return write(new JcaPKCS8Generator(key, null).generate());
      } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
        throw new IllegalStateException("cannot encode private key", e);
      }
    }

    private static String write(Object... objects) {
      StringWriter out = new StringWriter();
      try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
        for (Object o : objects) {
          writer.writeObject(o);
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot write PEM", e);
      }
      return out.toString();
    }

    /** Every certificate of a PEM bundle, in order; at least one. */
    public static List<X509Certificate> certificates(String pem, String what) {
      if (pem == null || !pem.contains("-----BEGIN CERTIFICATE-----")) {
        throw new IllegalArgumentException(what + " holds no PEM certificate");
      }
      List<X509Certificate> out = new ArrayList<>();
      try (PEMParser parser = new PEMParser(new StringReader(pem))) {
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
          if (o instanceof org.bouncycastle.cert.X509CertificateHolder holder) {
            out.add(converter.getCertificate(holder));
          }
        }
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        throw new IllegalArgumentException(
            what + " is not valid PEM (" + e.getClass().getSimpleName() + ")");
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException(what + " holds no PEM certificate");
      }
      return out;
    }

    /** A PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY") PEM private key. */
    public static PrivateKey privateKey(String pem, String what) {
      if (pem == null || !pem.contains("PRIVATE KEY-----")) {
        throw new IllegalArgumentException(what + " holds no PEM private key");
      }
      try (PEMParser parser = new PEMParser(new StringReader(pem))) {
        Object o = parser.readObject();
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (o instanceof org.bouncycastle.openssl.PEMKeyPair pair) {
          return converter.getKeyPair(pair).getPrivate();
        }
        throw new IllegalArgumentException(what + " is not an unencrypted private key");
      } catch (IOException | RuntimeException e) {
        if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith(what)) {
          throw iae;
        }
        throw new IllegalArgumentException(
            what + " is not valid PEM (" + e.getClass().getSimpleName() + ")");
      }
    }
  }
}
