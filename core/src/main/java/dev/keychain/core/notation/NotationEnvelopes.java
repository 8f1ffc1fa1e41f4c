package dev.keychain.core.notation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.json.UntrustedJson;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses the two envelope formats of the Notary Project signature specification: JWS (JSON
 * serialization, {@code application/jose+json}) and COSE_Sign1 ({@code application/cose}). Both
 * carry the same signed attributes; every critical header must be one this parser understands, so
 * that a signature never means more than what is checked. Verification plugins are not run: a
 * signature that requires one is refused.
 */
public final class NotationEnvelopes {
  public static final String JWS = "application/jose+json";
  public static final String COSE = "application/cose";
  static final int MAX_CHAIN = 10;
  static final String SCHEME = "io.cncf.notary.signingScheme";
  static final String SIGNING_TIME = "io.cncf.notary.signingTime";
  static final String AUTHENTIC_SIGNING_TIME = "io.cncf.notary.authenticSigningTime";
  static final String EXPIRY = "io.cncf.notary.expiry";
  static final String PLUGIN = "io.cncf.notary.verificationPlugin";
  static final String PLUGIN_MIN_VERSION = "io.cncf.notary.verificationPluginMinVersion";
  private static final Set<String> UNDERSTOOD =
      Set.of(SCHEME, SIGNING_TIME, AUTHENTIC_SIGNING_TIME, EXPIRY, PLUGIN_MIN_VERSION);
  private static final long COSE_SIGN1_TAG = 18;
  private static final long COSE_X5CHAIN = 33;

  private NotationEnvelopes() {}

  /** Parses an envelope of {@code mediaType}; {@code where} names it in errors. */
  public static NotationSignature parse(String mediaType, byte[] envelope, String where)
      throws NotationFormatException {
    try {
      return switch (mediaType) {
        case JWS -> jws(envelope);
        case COSE -> cose(envelope);
        default ->
            throw new NotationFormatException("envelope type " + mediaType + " is not JWS or COSE");
      };
    } catch (NotationFormatException e) {
      throw new NotationFormatException(where + ": " + e.getMessage());
    }
  }

  private static NotationSignature jws(byte[] envelope) throws NotationFormatException {
    try {
      UntrustedJson doc = UntrustedJson.parse(envelope, "JWS envelope");
      String protectedB64 = doc.text(doc.root(), "protected", "");
      String payloadB64 = doc.text(doc.root(), "payload", "");
      byte[] signature = base64Url(doc.text(doc.root(), "signature", ""), "signature");
      JsonNode header = doc.object(doc.root(), "header", "");
      List<String> x5c = doc.texts(header, "x5c", "header");
      List<byte[]> ders = new ArrayList<>();
      for (int i = 0; i < x5c.size() && i <= MAX_CHAIN; i++) {
        try {
          ders.add(Base64.getDecoder().decode(x5c.get(i)));
        } catch (IllegalArgumentException e) {
          throw new NotationFormatException("header.x5c[" + i + "] is not base64");
        }
      }
      UntrustedJson h =
          UntrustedJson.parse(base64Url(protectedB64, "protected"), "JWS protected header");
      JsonNode p = h.root();
      String alg = h.text(p, "alg", "");
      SignatureAlgorithm algorithm =
          SignatureAlgorithm.ofJws(alg)
              .orElseThrow(() -> new NotationFormatException("alg " + alg + " is not allowed"));
      critical(h.texts(p, "crit", ""), name -> p.has(name));
      contentType(h.text(p, "cty", ""));
      if (p.has(PLUGIN)) {
        throw plugin(p.get(PLUGIN).asText());
      }
      String scheme = h.text(p, SCHEME, "");
      String timeField = signingTimeHeader(scheme);
      Instant signingTime = rfc3339(h.text(p, timeField, ""), timeField);
      Optional<Instant> expiry =
          p.has(EXPIRY) ? Optional.of(rfc3339(h.text(p, EXPIRY, ""), EXPIRY)) : Optional.empty();
      return new NotationSignature(
          "JWS",
          algorithm,
          scheme,
          signingTime,
          expiry,
          certificates(ders),
          base64Url(payloadB64, "payload"),
          (protectedB64 + "." + payloadB64).getBytes(StandardCharsets.US_ASCII),
          algorithm.toJca(signature));
    } catch (MalformedJsonException e) {
      throw new NotationFormatException(e.getMessage());
    }
  }

  /** The header that holds the signing time under {@code scheme}. */
  private static String signingTimeHeader(String scheme) {
    return scheme.equals(NotationSignature.SCHEME_SIGNING_AUTHORITY)
        ? AUTHENTIC_SIGNING_TIME
        : SIGNING_TIME;
  }

  private static NotationSignature cose(byte[] envelope) throws NotationFormatException {
    Object decoded;
    try {
      decoded = Cbor.decode(envelope);
    } catch (Cbor.CborException e) {
      throw new NotationFormatException("COSE envelope is not CBOR: " + e.getMessage());
    }
    if (decoded instanceof Cbor.Tagged t) {
      if (t.tag() != COSE_SIGN1_TAG) {
        throw new NotationFormatException("COSE tag " + t.tag() + " is not COSE_Sign1 (18)");
      }
      decoded = t.value();
    }
    if (!(decoded instanceof List<?> parts) || parts.size() != 4) {
      throw new NotationFormatException("COSE_Sign1 is not an array of 4");
    }
    byte[] protectedBytes = bytes(parts.get(0), "protected header");
    Map<?, ?> unprotected = map(parts.get(1), "unprotected header");
    byte[] payload = bytes(parts.get(2), "payload (detached payloads are not accepted)");
    byte[] signature = bytes(parts.get(3), "signature");
    Map<?, ?> p;
    try {
      p = map(Cbor.decode(protectedBytes), "protected header");
    } catch (Cbor.CborException e) {
      throw new NotationFormatException("COSE protected header is not CBOR: " + e.getMessage());
    }
    Object alg = p.get(1L);
    if (!(alg instanceof Long id)) {
      throw new NotationFormatException("COSE protected header alg (1) is missing");
    }
    SignatureAlgorithm algorithm =
        SignatureAlgorithm.ofCose(id)
            .orElseThrow(() -> new NotationFormatException("COSE alg " + id + " is not allowed"));
    Object crit = p.get(2L);
    if (!(crit instanceof List<?> critList)) {
      throw new NotationFormatException("COSE protected header crit (2) is missing");
    }
    List<String> names = new ArrayList<>();
    for (Object c : critList) {
      if (!(c instanceof String s)) {
        throw new NotationFormatException("COSE crit label " + c + " is not understood");
      }
      names.add(s);
    }
    critical(names, p::containsKey);
    contentType(text(p.get(3L), "content type (3)"));
    if (p.containsKey(PLUGIN)) {
      throw plugin(String.valueOf(p.get(PLUGIN)));
    }
    String scheme = text(p.get(SCHEME), SCHEME);
    String timeField = signingTimeHeader(scheme);
    Instant signingTime = epoch(p.get(timeField), timeField);
    Optional<Instant> expiry =
        p.containsKey(EXPIRY) ? Optional.of(epoch(p.get(EXPIRY), EXPIRY)) : Optional.empty();
    Object x5 = unprotected.get(COSE_X5CHAIN);
    List<byte[]> ders = new ArrayList<>();
    if (x5 instanceof byte[] one) {
      ders.add(one);
    } else if (x5 instanceof List<?> many) {
      for (Object o : many) {
        ders.add(bytes(o, "x5chain entry"));
      }
    } else {
      throw new NotationFormatException("COSE unprotected header x5chain (33) is missing");
    }
    return new NotationSignature(
        "COSE",
        algorithm,
        scheme,
        signingTime,
        expiry,
        certificates(ders),
        payload,
        Cbor.encodeArray("Signature1", protectedBytes, new byte[0], payload),
        algorithm.toJca(signature));
  }

  private interface Present {
    boolean has(String name);
  }

  /** Every critical header is understood and present, and the signing scheme is among them. */
  private static void critical(List<String> crit, Present present) throws NotationFormatException {
    if (!crit.contains(SCHEME)) {
      throw new NotationFormatException("crit does not name " + SCHEME);
    }
    for (String c : crit) {
      if (c.equals(PLUGIN)) {
        throw new NotationFormatException(
            "critical header " + PLUGIN + ": verification plugins are not run by the operator");
      }
      if (!UNDERSTOOD.contains(c)) {
        throw new NotationFormatException("critical header " + c + " is not understood");
      }
      if (!present.has(c)) {
        throw new NotationFormatException("critical header " + c + " is missing");
      }
    }
  }

  private static NotationFormatException plugin(String name) {
    return new NotationFormatException(
        "signature requires verification plugin " + name + ", which the operator does not run");
  }

  private static void contentType(String cty) throws NotationFormatException {
    if (!cty.equals(NotationSignature.PAYLOAD_TYPE)) {
      throw new NotationFormatException(
          "content type " + cty + " is not " + NotationSignature.PAYLOAD_TYPE);
    }
  }

  private static List<java.security.cert.X509Certificate> certificates(List<byte[]> ders)
      throws NotationFormatException {
    if (ders.isEmpty()) {
      throw new NotationFormatException("certificate chain is empty");
    }
    if (ders.size() > MAX_CHAIN) {
      throw new NotationFormatException("certificate chain is longer than " + MAX_CHAIN);
    }
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory f = CertificateFactory.getInstance("X.509");
      for (int i = 0; i < ders.size(); i++) {
        try {
          chain.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(ders.get(i))));
        } catch (CertificateException | RuntimeException e) {
          throw new NotationFormatException("certificate " + i + " of the chain is not X.509 DER");
        }
      }
    } catch (CertificateException e) {
      throw new IllegalStateException("no X.509 support", e);
    }
    return chain;
  }

  private static byte[] base64Url(String s, String field) throws NotationFormatException {
    try {
      return Base64.getUrlDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new NotationFormatException(field + " is not base64url");
    }
  }

  private static Instant rfc3339(String s, String field) throws NotationFormatException {
    try {
      return java.time.OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw new NotationFormatException(field + " '" + s + "' is not an RFC 3339 time");
    }
  }

  private static Instant epoch(Object v, String field) throws NotationFormatException {
    Object value = v instanceof Cbor.Tagged t && t.tag() == 1 ? t.value() : null;
    if (!(value instanceof Long seconds)) {
      throw new NotationFormatException(field + " is not an epoch time (tag 1)");
    }
    try {
      return Instant.ofEpochSecond(seconds);
    } catch (java.time.DateTimeException e) {
      throw new NotationFormatException(field + " " + seconds + " is out of range");
    }
  }

  private static byte[] bytes(Object v, String what) throws NotationFormatException {
    if (v instanceof byte[] b) {
      return b;
    }
    throw new NotationFormatException(
        "COSE " + what + " is " + Cbor.typeName(v) + ", not a byte string");
  }

  private static Map<?, ?> map(Object v, String what) throws NotationFormatException {
    if (v instanceof Map<?, ?> m) {
      return m;
    }
    throw new NotationFormatException("COSE " + what + " is " + Cbor.typeName(v) + ", not a map");
  }

  private static String text(Object v, String what) throws NotationFormatException {
    if (v instanceof String s) {
      return s;
    }
    throw new NotationFormatException("COSE " + what + " is " + Cbor.typeName(v) + ", not text");
  }
}
