package dev.keychain.core.cosign;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.attest.Dsse;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.core.oci.RegistryException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;

/**
 * Signs images the way {@code cosign sign --key} does with a key pair (no transparency log): an
 * ECDSA (ASN.1, SHA-256; SHA-384 for P-384) or Ed25519 signature over the simple-signing payload,
 * attached to the image's signature artifact in the registry; and attests them as {@code cosign
 * attest --key} does, signing a DSSE envelope of an in-toto statement.
 */
public final class CosignSigner {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final PrivateKey key;

  public CosignSigner(PrivateKey key) {
    if (!(key instanceof ECPrivateKey)
        && !key.getAlgorithm().equals("Ed25519")
        && !key.getAlgorithm().equals("EdDSA")) {
      throw new IllegalArgumentException(
          "cosign signing keys are ECDSA or Ed25519, not " + key.getAlgorithm());
    }
    this.key = key;
  }

  /** The signature of {@code image} at {@code digest}. */
  public CosignSignature sign(ImageReference image, String digest) {
    byte[] payload = SimpleSigning.payload(image.name(), digest);
    return new CosignSignature(payload, signBytes(payload));
  }

  /**
   * The DSSE envelope of an in-toto v1 statement about {@code image} at {@code digest} with this
   * predicate (a JSON object), as {@code cosign attest --key} makes it.
   */
  public byte[] attest(
      ImageReference image, String digest, String predicateType, String predicate) {
    ObjectNode statement = JSON.createObjectNode().put("_type", "https://in-toto.io/Statement/v1");
    statement
        .putArray("subject")
        .addObject()
        .put("name", image.name())
        .putObject("digest")
        .put("sha256", digest.substring(digest.indexOf(':') + 1));
    statement.put("predicateType", predicateType);
    try {
      statement.set("predicate", JSON.readTree(predicate));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("predicate is not JSON", e);
    }
    byte[] payload = statement.toString().getBytes(StandardCharsets.UTF_8);
    return Dsse.encode(Dsse.IN_TOTO, payload, signBytes(Dsse.pae(Dsse.IN_TOTO, payload)));
  }

  /** Signs an attestation and stores it; returns the attestation artifact's digest. */
  public String attestAndAttach(
      RegistryClient registry,
      ImageReference image,
      String digest,
      String predicateType,
      String predicate)
      throws RegistryException {
    return CosignAttestations.attach(
        registry, image, digest, predicateType, attest(image, digest, predicateType, predicate));
  }

  private byte[] signBytes(byte[] message) {
    try {
      String algorithm =
          key instanceof ECPrivateKey ec
              ? (ec.getParams().getOrder().bitLength() > 256
                  ? "SHA384withECDSA"
                  : "SHA256withECDSA")
              : "Ed25519";
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with a " + key.getAlgorithm() + " key", e);
    }
  }

  /**
   * Signs {@code image} at {@code digest} and stores the signature; returns the artifact's digest.
   */
  public String signAndAttach(RegistryClient registry, ImageReference image, String digest)
      throws RegistryException {
    return CosignArtifacts.attach(registry, image, digest, sign(image, digest));
  }
}
