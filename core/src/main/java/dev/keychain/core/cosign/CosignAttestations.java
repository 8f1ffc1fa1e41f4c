package dev.keychain.core.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.core.oci.RegistryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * cosign's attestations in a registry ({@code cosign attest}): the artifact tagged {@code
 * sha256-<hex>.att}, one layer per attestation holding a DSSE envelope, its predicate type repeated
 * (unsigned) in the layer's {@code predicateType} annotation. That annotation only selects which
 * layers are worth downloading; what counts is the signed statement inside.
 */
public final class CosignAttestations {
  public static final String LAYER_TYPE = "application/vnd.dsse.envelope.v1+json";
  public static final String PREDICATE_TYPE_ANNOTATION = "predicateType";
  static final int MAX_ATTESTATIONS = 64;

  /** An SBOM of a large image runs to megabytes; more than this per image is refused. */
  public static final long MAX_ENVELOPE_BYTES = 8L * 1024 * 1024;

  static final long MAX_TOTAL_BYTES = 16L * 1024 * 1024;

  private CosignAttestations() {}

  /** One stored attestation: where it is (for messages) and its envelope's bytes. */
  public record Stored(String where, byte[] envelope) {}

  /**
   * The attestations stored for {@code digest} whose annotated predicate type (if any) {@code
   * wanted} accepts; empty if there are none. Downloads are bounded per envelope and in total.
   */
  public static List<Stored> fetch(
      RegistryClient registry, ImageReference image, String digest, Predicate<String> wanted)
      throws RegistryException {
    String tag = CosignArtifacts.attestationTag(digest);
    List<Stored> out = new ArrayList<>();
    long total = 0;
    for (CosignArtifacts.Layer layer :
        CosignArtifacts.layers(registry, image, tag, LAYER_TYPE, MAX_ATTESTATIONS)) {
      JsonNode annotated = layer.annotations().path(PREDICATE_TYPE_ANNOTATION);
      if (annotated.isTextual() && !wanted.test(annotated.asText())) {
        continue;
      }
      long budget = Math.min(MAX_ENVELOPE_BYTES, MAX_TOTAL_BYTES - total);
      if (budget <= 0) {
        throw new RegistryException(
            RegistryException.Reason.TOO_LARGE,
            image + ": attestations of " + digest + " exceed " + MAX_TOTAL_BYTES + " bytes");
      }
      byte[] envelope = registry.fetchBlob(image, layer.digest(), budget);
      total += envelope.length;
      out.add(new Stored(tag + " layers[" + layer.index() + "]", envelope));
    }
    return out;
  }

  /**
   * Stores a signed envelope as {@code cosign attest} does; returns the artifact's manifest digest.
   */
  public static String attach(
      RegistryClient registry,
      ImageReference image,
      String digest,
      String predicateType,
      byte[] envelope)
      throws RegistryException {
    return CosignArtifacts.attachLayer(
        registry,
        image,
        CosignArtifacts.attestationTag(digest),
        LAYER_TYPE,
        envelope,
        Map.of(PREDICATE_TYPE_ANNOTATION, predicateType, CosignArtifacts.SIGNATURE_ANNOTATION, ""));
  }
}
