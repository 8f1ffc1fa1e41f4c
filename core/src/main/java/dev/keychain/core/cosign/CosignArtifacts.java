package dev.keychain.core.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.json.UntrustedJson;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.core.oci.RegistryException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * cosign's signature artifacts in a registry: an OCI manifest tagged {@code sha256-<hex>.sig} in
 * the image's repository, one layer per signature holding the simple-signing payload, the signature
 * in the layer's {@code dev.cosignproject.cosign/signature} annotation.
 */
public final class CosignArtifacts {
  public static final String LAYER_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
  public static final String SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final int MAX_SIGNATURES = 32;
  static final long MAX_PAYLOAD_BYTES = 64 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private CosignArtifacts() {}

  /** The tag cosign stores an image's signatures under. */
  public static String signatureTag(String digest) {
    return digest.replace(':', '-') + ".sig";
  }

  private static ImageReference signatureRef(ImageReference image, String digest) {
    return new ImageReference(
        image.registry(), image.repository(), signatureTag(digest), Optional.empty());
  }

  /** The signatures stored for {@code digest}; empty if there are none. */
  public static List<CosignSignature> fetch(
      RegistryClient registry, ImageReference image, String digest) throws RegistryException {
    RegistryClient.Manifest manifest;
    try {
      manifest = registry.fetchManifest(signatureRef(image, digest));
    } catch (RegistryException e) {
      if (e.reason() == RegistryException.Reason.NOT_FOUND) {
        return List.of();
      }
      throw e;
    }
    List<CosignSignature> out = new ArrayList<>();
    try {
      UntrustedJson doc =
          UntrustedJson.parse(
              manifest.bytes(), "cosign signature manifest " + signatureTag(digest));
      JsonNode layers = doc.array(doc.root(), "layers", "");
      if (layers.size() > MAX_SIGNATURES) {
        throw doc.error("layers", "more than " + MAX_SIGNATURES + " signatures");
      }
      for (int i = 0; i < layers.size(); i++) {
        String at = "layers[" + i + "]";
        JsonNode layer = layers.get(i);
        if (!LAYER_TYPE.equals(layer.path("mediaType").asText())) {
          continue;
        }
        String blobDigest = doc.text(layer, "digest", at);
        String signature =
            doc.text(
                doc.object(layer, "annotations", at), SIGNATURE_ANNOTATION, at + ".annotations");
        byte[] sig;
        try {
          sig = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
          throw doc.error(at + ".annotations." + SIGNATURE_ANNOTATION, "is not base64");
        }
        out.add(new CosignSignature(registry.fetchBlob(image, blobDigest, MAX_PAYLOAD_BYTES), sig));
      }
    } catch (MalformedJsonException e) {
      throw new RegistryException(
          RegistryException.Reason.MALFORMED, image + ": " + e.getMessage());
    }
    return out;
  }

  /**
   * Adds a signature to the image's signature artifact (creating it, or appending a layer as cosign
   * does) and returns the artifact's new manifest digest.
   */
  public static String attach(
      RegistryClient registry, ImageReference image, String digest, CosignSignature signature)
      throws RegistryException {
    ImageReference sigRef = signatureRef(image, digest);
    ArrayNode layers = JSON.createArrayNode();
    try {
      JsonNode existing = JSON.readTree(registry.fetchManifest(sigRef).bytes()).get("layers");
      if (existing != null && existing.isArray()) {
        existing.forEach(layers::add);
      }
    } catch (RegistryException e) {
      if (e.reason() != RegistryException.Reason.NOT_FOUND) {
        throw e;
      }
    } catch (java.io.IOException e) {
      throw new RegistryException(
          RegistryException.Reason.MALFORMED, sigRef + ": existing signature manifest is not JSON");
    }
    String payloadDigest = registry.pushBlob(image, signature.payload());
    ObjectNode layer =
        layers
            .addObject()
            .put("mediaType", LAYER_TYPE)
            .put("size", signature.payload().length)
            .put("digest", payloadDigest);
    layer
        .putObject("annotations")
        .put(SIGNATURE_ANNOTATION, Base64.getEncoder().encodeToString(signature.signature()));

    ObjectNode config =
        JSON.createObjectNode().put("architecture", "").put("created", "0001-01-01T00:00:00Z");
    config.putArray("history").addObject().put("created", "0001-01-01T00:00:00Z");
    config.put("os", "");
    ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    layers.forEach(l -> diffIds.add(l.get("digest").asText()));
    config.putObject("config");
    byte[] configBytes = config.toString().getBytes(StandardCharsets.UTF_8);
    String configDigest = registry.pushBlob(image, configBytes);

    ObjectNode manifest =
        JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OCI_MANIFEST);
    manifest
        .putObject("config")
        .put("mediaType", "application/vnd.oci.image.config.v1+json")
        .put("size", configBytes.length)
        .put("digest", configDigest);
    manifest.set("layers", layers);
    return registry.pushManifest(
        image,
        signatureTag(digest),
        OCI_MANIFEST,
        manifest.toString().getBytes(StandardCharsets.UTF_8));
  }
}
