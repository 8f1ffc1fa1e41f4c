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
import java.util.Map;
import java.util.TreeMap;

/**
 * cosign's artifacts in a registry: OCI manifests in the image's repository tagged {@code
 * sha256-<hex>.sig} (one layer per signature holding the simple-signing payload, the signature in
 * the layer's {@code dev.cosignproject.cosign/signature} annotation) and {@code sha256-<hex>.att}
 * (one layer per attestation holding a DSSE envelope).
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

  /** The tag cosign stores an image's attestations under. */
  public static String attestationTag(String digest) {
    return digest.replace(':', '-') + ".att";
  }

  /** One layer of a signature or attestation artifact: its blob's digest and its annotations. */
  record Layer(int index, String digest, JsonNode annotations) {}

  /**
   * The layers of type {@code layerType} of the artifact tagged {@code tag}, at most {@code
   * maxLayers} in all; empty if there is no artifact. Errors name the artifact and the field.
   */
  static List<Layer> layers(
      RegistryClient registry, ImageReference image, String tag, String layerType, int maxLayers)
      throws RegistryException {
    RegistryClient.Manifest manifest;
    try {
      manifest = registry.fetchManifest(image.withTag(tag));
    } catch (RegistryException e) {
      if (e.reason() == RegistryException.Reason.NOT_FOUND) {
        return List.of();
      }
      throw e;
    }
    try {
      UntrustedJson doc = UntrustedJson.parse(manifest.bytes(), "cosign artifact manifest " + tag);
      JsonNode layers = doc.array(doc.root(), "layers", "");
      if (layers.size() > maxLayers) {
        throw doc.error("layers", "more than " + maxLayers + " layers");
      }
      List<Layer> out = new ArrayList<>();
      for (int i = 0; i < layers.size(); i++) {
        String at = "layers[" + i + "]";
        JsonNode layer = layers.get(i);
        if (!layerType.equals(layer.path("mediaType").asText())) {
          continue;
        }
        String blobDigest = doc.text(layer, "digest", at);
        JsonNode annotations = layer.path("annotations");
        out.add(new Layer(i, blobDigest, annotations.isObject() ? annotations : JSON.nullNode()));
      }
      return out;
    } catch (MalformedJsonException e) {
      throw new RegistryException(
          RegistryException.Reason.MALFORMED, image + ": " + e.getMessage());
    }
  }

  /** The signatures stored for {@code digest}; empty if there are none. */
  public static List<CosignSignature> fetch(
      RegistryClient registry, ImageReference image, String digest) throws RegistryException {
    String tag = signatureTag(digest);
    List<CosignSignature> out = new ArrayList<>();
    for (Layer layer : layers(registry, image, tag, LAYER_TYPE, MAX_SIGNATURES)) {
      String at = "cosign artifact manifest " + tag + ": layers[" + layer.index() + "]";
      JsonNode signature = layer.annotations().path(SIGNATURE_ANNOTATION);
      if (!signature.isTextual() || signature.asText().isEmpty()) {
        throw new RegistryException(
            RegistryException.Reason.MALFORMED,
            image + ": " + at + ".annotations." + SIGNATURE_ANNOTATION + " is missing");
      }
      byte[] sig;
      try {
        sig = Base64.getDecoder().decode(signature.asText());
      } catch (IllegalArgumentException e) {
        throw new RegistryException(
            RegistryException.Reason.MALFORMED,
            image + ": " + at + ".annotations." + SIGNATURE_ANNOTATION + " is not base64");
      }
      out.add(
          new CosignSignature(registry.fetchBlob(image, layer.digest(), MAX_PAYLOAD_BYTES), sig));
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
    return attachLayer(
        registry,
        image,
        signatureTag(digest),
        LAYER_TYPE,
        signature.payload(),
        Map.of(SIGNATURE_ANNOTATION, Base64.getEncoder().encodeToString(signature.signature())));
  }

  /**
   * Appends a layer holding {@code blob} to the artifact tagged {@code tag} (creating it), as
   * cosign does for signatures and attestations; returns the artifact's new manifest digest.
   */
  static String attachLayer(
      RegistryClient registry,
      ImageReference image,
      String tag,
      String layerType,
      byte[] blob,
      Map<String, String> annotations)
      throws RegistryException {
    ImageReference ref = image.withTag(tag);
    ArrayNode layers = JSON.createArrayNode();
    try {
      JsonNode existing = JSON.readTree(registry.fetchManifest(ref).bytes()).get("layers");
      if (existing != null && existing.isArray()) {
        existing.forEach(layers::add);
      }
    } catch (RegistryException e) {
      if (e.reason() != RegistryException.Reason.NOT_FOUND) {
        throw e;
      }
    } catch (java.io.IOException e) {
      throw new RegistryException(
          RegistryException.Reason.MALFORMED, ref + ": existing artifact manifest is not JSON");
    }
    String blobDigest = registry.pushBlob(image, blob);
    ObjectNode layer =
        layers
            .addObject()
            .put("mediaType", layerType)
            .put("size", blob.length)
            .put("digest", blobDigest);
    ObjectNode notes = layer.putObject("annotations");
    new TreeMap<>(annotations).forEach(notes::put);

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
        image, tag, OCI_MANIFEST, manifest.toString().getBytes(StandardCharsets.UTF_8));
  }
}
