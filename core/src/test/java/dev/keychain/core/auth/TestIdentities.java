package dev.keychain.core.auth;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A CA and master identities (Ed25519 or ECDSA P-256) for handshake tests. */
final class TestIdentities {
  final KeyPair caKeys;
  final X509Certificate ca;

  TestIdentities(String name) throws Exception {
    caKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    ca = certificate(name, name, caKeys, caKeys, true, Instant.now().plus(Duration.ofDays(1)));
  }

  MasterTrust trust() {
    return MasterTrust.of(ca);
  }

  MasterIdentity master(String algorithm) throws Exception {
    return master(algorithm, Instant.now().plus(Duration.ofDays(1)));
  }

  MasterIdentity master(String algorithm, Instant notAfter) throws Exception {
    KeyPair keys;
    if (algorithm.equals("EC")) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      keys = g.generateKeyPair();
    } else {
      keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }
    X509Certificate leaf =
        certificate(
            "CN=keychain-operator",
            ca.getSubjectX500Principal().getName(),
            keys,
            caKeys,
            false,
            notAfter);
    return new MasterIdentity(keys.getPrivate(), List.of(leaf));
  }

  private static X509Certificate certificate(
      String subject,
      String issuer,
      KeyPair subjectKeys,
      KeyPair issuerKeys,
      boolean ca,
      Instant notAfter)
      throws Exception {
    String s = subject.startsWith("CN=") ? subject : "CN=" + subject;
    String i = issuer.startsWith("CN=") ? issuer : "CN=" + issuer;
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            new X500Name(i),
            BigInteger.valueOf(System.nanoTime()),
            Date.from(Instant.now().minus(Duration.ofMinutes(5))),
            Date.from(notAfter),
            new X500Name(s),
            subjectKeys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    String algorithm =
        issuerKeys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "Ed25519";
    return new JcaX509CertificateConverter()
        .getCertificate(
            builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
  }
}
