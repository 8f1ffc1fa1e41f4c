package dev.keychain.core.notation;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A parsed Notary Project signature, JWS or COSE alike: what was signed ({@code signedBytes}, the
 * JWS signing input or the COSE Sig_structure), the signature in JCA form, the certificate chain
 * (leaf first) and the signed attributes. Nothing here is verified yet.
 */
public record NotationSignature(
    String format,
    SignatureAlgorithm algorithm,
    String signingScheme,
    Instant signingTime,
    Optional<Instant> expiry,
    List<X509Certificate> chain,
    byte[] payload,
    byte[] signedBytes,
    byte[] signature) {
  public static final String PAYLOAD_TYPE = "application/vnd.cncf.notary.payload.v1+json";
  public static final String SCHEME_X509 = "notary.x509";
  public static final String SCHEME_SIGNING_AUTHORITY = "notary.x509.signingAuthority";

  public NotationSignature {
    chain = List.copyOf(chain);
  }
}
