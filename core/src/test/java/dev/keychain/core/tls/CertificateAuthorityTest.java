package dev.keychain.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.auth.MasterTrust;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {
  private final Instant now = Instant.parse("2026-11-23T10:00:00Z");

  @Test
  void issuesServerCertificateThatValidatesToTheCaWithItsNames() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test-ca", Duration.ofDays(365), now);
    CertificateAuthority.Issued server =
        ca.issueServer("webhook", List.of("svc.ns.svc", "127.0.0.1"), Duration.ofDays(30), now);
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca.certificate(), null)));
    params.setRevocationEnabled(false);
    params.setDate(Date.from(now.plusSeconds(5)));
    CertPathValidator.getInstance("PKIX")
        .validate(
            CertificateFactory.getInstance("X.509").generateCertPath(List.of(server.certificate())),
            params);
    var sans = server.certificate().getSubjectAlternativeNames();
    assertTrue(sans.stream().anyMatch(s -> s.get(1).equals("svc.ns.svc")));
    assertTrue(sans.stream().anyMatch(s -> s.get(1).equals("127.0.0.1")));
    assertEquals(now.plus(Duration.ofDays(20)).minusSeconds(20), server.renewAt());
  }

  @Test
  void issuedCertificateNeverOutlivesItsCa() {
    CertificateAuthority ca = CertificateAuthority.create("short", Duration.ofDays(1), now);
    CertificateAuthority.Issued leaf = ca.issueIdentity("master", Duration.ofDays(30), now);
    assertEquals(ca.certificate().getNotAfter(), leaf.certificate().getNotAfter());
  }

  @Test
  void roundTripsThroughPem() {
    CertificateAuthority ca = CertificateAuthority.create("pem-ca", Duration.ofDays(10), now);
    String certPem = CertificateAuthority.Pem.encode(ca.certificate());
    String keyPem = CertificateAuthority.Pem.encode(ca.asIssued().key());
    assertTrue(keyPem.startsWith("-----BEGIN PRIVATE KEY-----"));
    CertificateAuthority loaded = CertificateAuthority.fromPem(certPem, keyPem);
    X509Certificate leaf = loaded.issueIdentity("x", Duration.ofDays(1), now).certificate();
    // A leaf of the reloaded CA is trusted by a bundle of the original certificate.
    MasterTrust.fromPemBundle(certPem);
    assertEquals(ca.certificate().getSubjectX500Principal(), leaf.getIssuerX500Principal());
  }

  @Test
  void rejectsMalformedPemNamingWhatIsWrong() {
    var e1 =
        assertThrows(
            IllegalArgumentException.class,
            () -> CertificateAuthority.Pem.certificates("garbage", "CA certificate"));
    assertEquals("CA certificate holds no PEM certificate", e1.getMessage());
    var e2 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CertificateAuthority.Pem.privateKey(
                    "-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----\n", "CA key"));
    assertTrue(e2.getMessage().startsWith("CA key is not"), e2.getMessage());
    CertificateAuthority ca = CertificateAuthority.create("c", Duration.ofDays(1), now);
    CertificateAuthority.Issued leaf = ca.issueIdentity("leaf", Duration.ofDays(1), now);
    var e3 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CertificateAuthority.fromPem(
                    CertificateAuthority.Pem.encode(leaf.certificate()),
                    CertificateAuthority.Pem.encode(leaf.key())));
    assertEquals("CA certificate is not a CA (basicConstraints)", e3.getMessage());
  }
}
