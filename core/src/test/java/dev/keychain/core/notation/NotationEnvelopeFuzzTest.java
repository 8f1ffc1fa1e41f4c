package dev.keychain.core.notation;

import static org.junit.jupiter.api.Assertions.fail;

import dev.keychain.testing.fixtures.Mutations;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Mutated JWS and COSE envelopes (valid ones, one byte-level change at a time): parsing and
 * verification either succeed or refuse with a NotationFormatException that says why; nothing else
 * is thrown, and no mutation of the signed bytes verifies.
 */
class NotationEnvelopeFuzzTest {
  static final byte[] JWS;
  static final byte[] COSE;

  static {
    try {
      JWS = NotationEnvelopesTest.jws(NotationEnvelopesTest.header(), NotationEnvelopesTest.DIGEST);
      COSE = cose();
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** A COSE_Sign1 envelope as notation writes it, ES256 by the test leaf. */
  static byte[] cose() throws Exception {
    Map<Object, Object> p = new LinkedHashMap<>();
    p.put(1L, -7L);
    p.put(2L, List.of(NotationEnvelopes.SCHEME));
    p.put(3L, NotationSignature.PAYLOAD_TYPE);
    p.put(NotationEnvelopes.SCHEME, "notary.x509");
    p.put(NotationEnvelopes.SIGNING_TIME, new Cbor.Tagged(1, 1_764_547_200L));
    byte[] protectedBytes = encode(p);
    byte[] payload =
        ("{\"targetArtifact\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"digest\":\""
                + NotationEnvelopesTest.DIGEST
                + "\",\"size\":1}}")
            .getBytes(StandardCharsets.UTF_8);
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initSign(NotationEnvelopesTest.LEAF.keys().getPrivate());
    s.update(Cbor.encodeArray("Signature1", protectedBytes, new byte[0], payload));
    Map<Object, Object> unprotected = new LinkedHashMap<>();
    unprotected.put(
        33L,
        List.of(
            NotationEnvelopesTest.LEAF.certificate().getEncoded(),
            NotationEnvelopesTest.CA.caCertificate().getEncoded()));
    return encode(new Cbor.Tagged(18, List.of(protectedBytes, unprotected, payload, s.sign())));
  }

  /** A small CBOR encoder for the shapes above. */
  static byte[] encode(Object v) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(out, v);
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, Object v) {
    if (v instanceof Long n) {
      head(out, n >= 0 ? 0 : 1, n >= 0 ? n : -1 - n);
    } else if (v instanceof byte[] b) {
      head(out, 2, b.length);
      out.writeBytes(b);
    } else if (v instanceof String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      head(out, 3, b.length);
      out.writeBytes(b);
    } else if (v instanceof List<?> l) {
      head(out, 4, l.size());
      l.forEach(e -> write(out, e));
    } else if (v instanceof Map<?, ?> m) {
      head(out, 5, m.size());
      m.forEach(
          (k, e) -> {
            write(out, k);
            write(out, e);
          });
    } else if (v instanceof Cbor.Tagged t) {
      head(out, 6, t.tag());
      write(out, t.value());
    } else {
      throw new IllegalArgumentException(String.valueOf(v));
    }
  }

  private static void head(ByteArrayOutputStream out, int major, long n) {
    if (n < 24) {
      out.write((major << 5) | (int) n);
      return;
    }
    int bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x100000000L ? 4 : 8;
    out.write((major << 5) | (bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27));
    for (int i = bytes - 1; i >= 0; i--) {
      out.write((int) (n >>> (8 * i)));
    }
  }

  private static void parsesAndVerifiesOrRefuses(String mediaType, byte[] original, long seed) {
    byte[] input = Mutations.mutate(original, seed);
    try {
      NotationSignature s = NotationEnvelopes.parse(mediaType, input, "sig");
      NotationVerification.verify(s, NotationEnvelopesTest.DIGEST, Instant.now());
      if (!java.util.Arrays.equals(input, original)
          && !java.util.Arrays.equals(s.signedBytes(), signedBytesOf(mediaType, original))) {
        fail(
            "a mutation of the signed bytes verified: "
                + new String(input, StandardCharsets.ISO_8859_1));
      }
    } catch (NotationFormatException e) {
      if (e.getMessage() == null || e.getMessage().isBlank()) {
        fail("refused without saying why");
      }
    } catch (Throwable t) {
      fail(mediaType + " threw " + t + " for " + new String(input, StandardCharsets.ISO_8859_1), t);
    }
  }

  private static byte[] signedBytesOf(String mediaType, byte[] envelope)
      throws NotationFormatException {
    return NotationEnvelopes.parse(mediaType, envelope, "sig").signedBytes();
  }

  @org.junit.jupiter.api.Test
  void theUnmutatedEnvelopesVerify() throws Exception {
    for (var e : Map.of(NotationEnvelopes.JWS, JWS, NotationEnvelopes.COSE, COSE).entrySet()) {
      NotationVerification.verify(
          NotationEnvelopes.parse(e.getKey(), e.getValue(), "sig"),
          NotationEnvelopesTest.DIGEST,
          Instant.now());
    }
  }

  @Property
  void jwsEnvelopesParseOrAreRefused(@ForAll long seed) {
    parsesAndVerifiesOrRefuses(NotationEnvelopes.JWS, JWS, seed);
  }

  @Property
  void coseEnvelopesParseOrAreRefused(@ForAll long seed) {
    parsesAndVerifiesOrRefuses(NotationEnvelopes.COSE, COSE, seed);
  }
}
