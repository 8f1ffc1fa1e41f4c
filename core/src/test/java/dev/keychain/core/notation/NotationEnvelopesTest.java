package dev.keychain.core.notation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.testing.fixtures.TestPki;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** JWS envelopes made here with a CA-issued ES256 key, changed one header at a time. */
class NotationEnvelopesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final TestPki CA = TestPki.create("Envelope CA");
  static final TestPki.Issued LEAF = CA.codeSigningCertificate("CN=signer");
  static final String DIGEST = "sha256:" + "ab".repeat(32);

  static ObjectNode header() {
    ObjectNode h =
        JSON.createObjectNode()
            .put("alg", "ES256")
            .put("cty", NotationSignature.PAYLOAD_TYPE)
            .put(NotationEnvelopes.SCHEME, "notary.x509")
            .put(NotationEnvelopes.SIGNING_TIME, "2026-12-01T00:00:00Z");
    h.putArray("crit").add(NotationEnvelopes.SCHEME);
    return h;
  }

  static byte[] jws(ObjectNode protectedHeader, String digest) throws Exception {
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String p = url.encodeToString(protectedHeader.toString().getBytes(StandardCharsets.UTF_8));
    String payload =
        url.encodeToString(
            ("{\"targetArtifact\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    + "\"digest\":\""
                    + digest
                    + "\",\"size\":1}}")
                .getBytes(StandardCharsets.UTF_8));
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(LEAF.keys().getPrivate());
    s.update((p + "." + payload).getBytes(StandardCharsets.US_ASCII));
    ASN1Sequence der = ASN1Sequence.getInstance(s.sign());
    byte[] raw = new byte[64];
    copy(((ASN1Integer) der.getObjectAt(0)).getValue(), raw, 0);
    copy(((ASN1Integer) der.getObjectAt(1)).getValue(), raw, 32);
    ObjectNode env =
        JSON.createObjectNode()
            .put("protected", p)
            .put("payload", payload)
            .put("signature", url.encodeToString(raw));
    env.putObject("header")
        .putArray("x5c")
        .add(Base64.getEncoder().encodeToString(LEAF.certificate().getEncoded()))
        .add(Base64.getEncoder().encodeToString(CA.caCertificate().getEncoded()));
    return env.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void copy(BigInteger v, byte[] out, int at) {
    byte[] b = v.toByteArray();
    int n = Math.min(b.length, 32);
    System.arraycopy(b, b.length - n, out, at + 32 - n, n);
  }

  static NotationSignature parse(byte[] envelope) throws NotationFormatException {
    return NotationEnvelopes.parse(NotationEnvelopes.JWS, envelope, "sig");
  }

  @Test
  void verifiesAnEnvelopeMadeToTheSpecification() throws Exception {
    NotationSignature s = parse(jws(header(), DIGEST));
    assertEquals(SignatureAlgorithm.ES256, s.algorithm());
    assertEquals(Instant.parse("2026-12-01T00:00:00Z"), s.signingTime());
    NotationVerification.verify(s, DIGEST, Instant.now());
  }

  @Test
  void refusesASignatureForAnotherDigest() throws Exception {
    NotationSignature s = parse(jws(header(), "sha256:" + "cd".repeat(32)));
    NotationFormatException e =
        assertThrows(
            NotationFormatException.class,
            () -> NotationVerification.verify(s, DIGEST, Instant.now()));
    assertEquals("signature is for sha256:" + "cd".repeat(32) + ", not " + DIGEST, e.getMessage());
  }

  @Test
  void refusesAnExpiredSignatureAndTheSigningAuthorityScheme() throws Exception {
    ObjectNode expiring = header().put(NotationEnvelopes.EXPIRY, "2026-01-01T00:00:00Z");
    expiring.withArray("crit").add(NotationEnvelopes.EXPIRY);
    NotationSignature s = parse(jws(expiring, DIGEST));
    NotationFormatException e =
        assertThrows(
            NotationFormatException.class,
            () -> NotationVerification.verify(s, DIGEST, Instant.now()));
    assertEquals("signature expired at 2026-01-01T00:00:00Z", e.getMessage());

    ObjectNode authority =
        header()
            .put(NotationEnvelopes.SCHEME, NotationSignature.SCHEME_SIGNING_AUTHORITY)
            .put(NotationEnvelopes.AUTHENTIC_SIGNING_TIME, "2026-12-01T00:00:00Z");
    NotationSignature a = parse(jws(authority, DIGEST));
    e =
        assertThrows(
            NotationFormatException.class,
            () -> NotationVerification.verify(a, DIGEST, Instant.now().plus(Duration.ZERO)));
    assertTrue(e.getMessage().contains("needs a timestamp authority"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "alg|none|sig: alg none is not allowed",
        "cty|text/plain|sig: content type text/plain is not application/vnd.cncf.notary.payload.v1+json",
        "crit|[\"io.cncf.notary.signingScheme\",\"x-unknown\"]|sig: critical header x-unknown is not understood",
        "crit|[]|sig: crit does not name io.cncf.notary.signingScheme",
        "crit|[\"io.cncf.notary.signingScheme\",\"io.cncf.notary.expiry\"]|sig: critical header io.cncf.notary.expiry is missing",
        "io.cncf.notary.verificationPlugin|acme|sig: signature requires verification plugin acme, which the operator does not run",
        "io.cncf.notary.signingTime|yesterday|sig: io.cncf.notary.signingTime 'yesterday' is not an RFC 3339 time",
      })
  void namesTheHeaderItRefuses(String field, String value, String message) throws Exception {
    ObjectNode h = header();
    if (value.startsWith("[")) {
      h.set(field, JSON.readTree(value));
    } else {
      h.put(field, value);
    }
    NotationFormatException e =
        assertThrows(NotationFormatException.class, () -> parse(jws(h, DIGEST)));
    assertEquals(message, e.getMessage());
  }

  @Test
  void refusesATamperedProtectedHeader() throws Exception {
    ObjectNode env = (ObjectNode) JSON.readTree(jws(header(), DIGEST));
    ObjectNode other = header().put(NotationEnvelopes.SIGNING_TIME, "2026-12-02T00:00:00Z");
    env.put(
        "protected",
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(other.toString().getBytes(StandardCharsets.UTF_8)));
    NotationSignature s = parse(env.toString().getBytes(StandardCharsets.UTF_8));
    NotationFormatException e =
        assertThrows(
            NotationFormatException.class,
            () -> NotationVerification.verify(s, DIGEST, Instant.now()));
    assertEquals("signature does not verify under the key of CN=signer", e.getMessage());
  }

  @Test
  void refusesACoseSigningTimeOutsideTheRangeOfTime() throws Exception {
    java.util.Map<Object, Object> p = new java.util.LinkedHashMap<>();
    p.put(1L, -7L);
    p.put(2L, java.util.List.of(NotationEnvelopes.SCHEME));
    p.put(3L, NotationSignature.PAYLOAD_TYPE);
    p.put(NotationEnvelopes.SCHEME, "notary.x509");
    p.put(NotationEnvelopes.SIGNING_TIME, new Cbor.Tagged(1, Long.MAX_VALUE));
    byte[] envelope =
        NotationEnvelopeFuzzTest.encode(
            new Cbor.Tagged(
                18,
                java.util.List.of(
                    NotationEnvelopeFuzzTest.encode(p),
                    java.util.Map.of(33L, LEAF.certificate().getEncoded()),
                    new byte[] {1},
                    new byte[64])));
    NotationFormatException e =
        assertThrows(
            NotationFormatException.class,
            () -> NotationEnvelopes.parse(NotationEnvelopes.COSE, envelope, "sig"));
    assertEquals(
        "sig: io.cncf.notary.signingTime " + Long.MAX_VALUE + " is out of range", e.getMessage());
  }
}
