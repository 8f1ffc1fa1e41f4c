package dev.keychain.core.tuf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.json.UntrustedJson;
import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A public key as TUF metadata lists it. {@code tufId} is the ID the metadata uses (checked against
 * the key's content: a key cannot claim another key's ID); {@code canonicalId} is the ID of the
 * bare public key, which the notary CLI prints and which differs for certificate-backed keys.
 */
public record TufKey(
    String keyType,
    String tufId,
    String canonicalId,
    PublicKey publicKey,
    Optional<X509Certificate> certificate) {

  /** Every ID this key goes by (TUF, notary canonical, SPKI fingerprint). */
  public Set<String> ids() {
    Set<String> ids = new LinkedHashSet<>();
    ids.add(tufId);
    ids.addAll(KeyIds.of(publicKey));
    return ids;
  }

  public boolean hasId(String id) {
    return tufId.equals(id) || canonicalId.equals(id) || KeyIds.of(publicKey).contains(id);
  }

  /**
   * Parses the key object {@code node} found at {@code path}, declared under {@code declaredId}.
   */
  static TufKey parse(String declaredId, JsonNode node, UntrustedJson doc, String path)
      throws TufException {
    try {
      String type = doc.text(node, "keytype", path);
      var keyval = doc.object(node, "keyval", path);
      String pub = doc.text(keyval, "public", path + ".keyval");
      if (keyval.has("private") && !keyval.get("private").isNull()) {
        throw doc.error(path, "key " + declaredId + " carries private key material");
      }
      String computed = KeyIds.notaryId(type, pub);
      if (!computed.equals(declaredId)) {
        throw doc.error(path, "key listed as " + declaredId + " has ID " + computed);
      }
      byte[] value;
      try {
        value = Base64.getDecoder().decode(pub);
      } catch (IllegalArgumentException e) {
        throw doc.error(path, "key " + declaredId + ": public value is not base64");
      }
      Optional<X509Certificate> cert = Optional.empty();
      PublicKey key;
      try {
        switch (type) {
          case "ed25519" -> key = PublicKeys.fromSpki(KeyIds.ed25519Spki(value));
          case "ecdsa", "rsa" -> key = PublicKeys.fromSpki(value);
          case "ecdsa-x509", "rsa-x509" -> {
            String pem = new String(value, StandardCharsets.US_ASCII);
            if (!pem.startsWith("-----BEGIN CERTIFICATE-----")) {
              throw doc.error(
                  path, "key " + declaredId + ": " + type + " value is not a PEM certificate");
            }
            cert = Optional.of(PublicKeys.certificate(value));
            key = cert.get().getPublicKey();
          }
          default -> throw doc.error(path, "key " + declaredId + ": unsupported key type " + type);
        }
      } catch (IllegalArgumentException e) {
        throw doc.error(path, "key " + declaredId + ": " + e.getMessage());
      }
      String expectedAlgorithm =
          type.startsWith("ecdsa") ? "EC" : type.startsWith("rsa") ? "RSA" : "Ed25519";
      if (!key.getAlgorithm().equals(expectedAlgorithm)
          && !(expectedAlgorithm.equals("Ed25519") && key.getAlgorithm().equals("EdDSA"))) {
        throw doc.error(
            path, "key " + declaredId + ": " + type + " holds a " + key.getAlgorithm() + " key");
      }
      return new TufKey(type, declaredId, KeyIds.notaryCanonicalId(key), key, cert);
    } catch (MalformedJsonException e) {
      throw new TufException(TufException.Reason.MALFORMED, e.getMessage());
    }
  }
}
