package dev.keychain.core.cosign;

import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.core.oci.RegistryException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;

/**
 * Signs images the way {@code cosign sign --key} does with a key pair (no transparency log): an
 * ECDSA (ASN.1, SHA-256; SHA-384 for P-384) or Ed25519 signature over the simple-signing payload,
 * attached to the image's signature artifact in the registry.
 */
public final class CosignSigner {
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
    try {
      String algorithm =
          key instanceof ECPrivateKey ec
              ? (ec.getParams().getOrder().bitLength() > 256
                  ? "SHA384withECDSA"
                  : "SHA256withECDSA")
              : "Ed25519";
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(payload);
      return new CosignSignature(payload, s.sign());
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
