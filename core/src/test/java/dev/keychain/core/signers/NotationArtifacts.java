package dev.keychain.core.signers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.notation.NotationSignatures;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Writes Notary Project signature artifacts the way notation does on a registry without the
 * referrers API (signature manifest with a subject, listed in the referrers tag's index), so that
 * tests can store envelopes and indexes the CLI would never make.
 */
final class NotationArtifacts {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String INDEX = "application/vnd.oci.image.index.v1+json";
  static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  private NotationArtifacts() {}

  /** Stores a signature manifest for {@code envelope} and lists it; returns its digest. */
  static String attach(
      RegistryClient client, ImageReference image, String digest, String mediaType, byte[] envelope)
      throws Exception {
    String blob = client.pushBlob(image, envelope);
    byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
    String configDigest = client.pushBlob(image, config);
    ObjectNode m = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MANIFEST);
    m.put("artifactType", NotationSignatures.ARTIFACT_TYPE);
    m.putObject("config")
        .put("mediaType", NotationSignatures.ARTIFACT_TYPE)
        .put("digest", configDigest)
        .put("size", config.length);
    m.putArray("layers")
        .addObject()
        .put("mediaType", mediaType)
        .put("digest", blob)
        .put("size", envelope.length);
    m.putObject("subject").put("mediaType", MANIFEST).put("digest", digest).put("size", 1);
    byte[] bytes = m.toString().getBytes(StandardCharsets.UTF_8);
    String manifest = client.pushManifest(image, "sig-" + blob.substring(7, 19), MANIFEST, bytes);
    ObjectNode index = currentIndex(client, image, digest);
    ((ArrayNode) index.get("manifests"))
        .addObject()
        .put("mediaType", MANIFEST)
        .put("digest", manifest)
        .put("size", bytes.length)
        .put("artifactType", NotationSignatures.ARTIFACT_TYPE);
    pushIndex(client, image, digest, index);
    return manifest;
  }

  /** The referrers tag's index, or an empty one. */
  static ObjectNode currentIndex(RegistryClient client, ImageReference image, String digest)
      throws Exception {
    try {
      return (ObjectNode)
          JSON.readTree(
              client
                  .fetchManifest(
                      new ImageReference(
                          image.registry(),
                          image.repository(),
                          NotationSignatures.referrersTag(digest),
                          Optional.empty()))
                  .bytes());
    } catch (dev.keychain.core.oci.RegistryException e) {
      ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", INDEX);
      index.putArray("manifests");
      return index;
    }
  }

  static void pushIndex(
      RegistryClient client, ImageReference image, String digest, ObjectNode index)
      throws Exception {
    client.pushManifest(
        image,
        NotationSignatures.referrersTag(digest),
        INDEX,
        index.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Deletes a manifest by digest (the test registry allows deletes). */
  static void delete(
      dev.keychain.testing.fixtures.OciRegistry registry, ImageReference image, String digest)
      throws Exception {
    var response =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        registry
                            .baseUri()
                            .resolve("/v2/" + image.repository() + "/manifests/" + digest))
                    .DELETE()
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
    if (response.statusCode() != 202) {
      throw new IllegalStateException("delete of " + digest + ": HTTP " + response.statusCode());
    }
  }
}
