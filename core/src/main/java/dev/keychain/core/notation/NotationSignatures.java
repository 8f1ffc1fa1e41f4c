package dev.keychain.core.notation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.json.UntrustedJson;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.core.oci.RegistryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds an image's Notary Project signatures: artifacts of type {@code
 * application/vnd.cncf.notary.signature} whose subject is the image's manifest, listed by the OCI
 * referrers API or, where a registry has none (HTTP 404), by the referrers tag {@code sha256-<hex>}
 * that clients maintain instead. Each signature manifest holds one envelope layer. Bounded: the
 * index is at most 4 MiB, at most {@value #MAX_SIGNATURES} signatures are read (the rest are
 * noted), envelopes at most 256 KiB. Index entries whose manifest is missing are noted and skipped.
 */
public final class NotationSignatures {
  public static final String ARTIFACT_TYPE = "application/vnd.cncf.notary.signature";
  static final int MAX_SIGNATURES = 16;
  static final long MAX_ENVELOPE_BYTES = 256 * 1024;

  private NotationSignatures() {}

  /** One envelope found: where (for messages), its media type (JWS or COSE) and bytes. */
  public record Stored(String where, String mediaType, byte[] envelope) {}

  /** What was found, and what was skipped and why. */
  public record Found(List<Stored> signatures, List<String> notes) {}

  /** The referrers tag of {@code digest}. */
  public static String referrersTag(String digest) {
    return digest.replace(':', '-');
  }

  public static Found fetch(RegistryClient registry, ImageReference image, String digest)
      throws RegistryException {
    List<String> notes = new ArrayList<>();
    Optional<byte[]> index = registry.fetchReferrers(image, digest, ARTIFACT_TYPE);
    String source = "referrers API";
    if (index.isEmpty()) {
      source = "referrers tag " + referrersTag(digest);
      try {
        index = Optional.of(registry.fetchManifest(image.withTag(referrersTag(digest))).bytes());
      } catch (RegistryException e) {
        if (e.reason() != RegistryException.Reason.NOT_FOUND) {
          throw e;
        }
        return new Found(List.of(), List.of("no notation signatures"));
      }
    }
    List<String> manifests = signatureManifests(image, index.get(), source, notes);
    List<Stored> out = new ArrayList<>();
    for (String m : manifests) {
      String where = "notation signature " + m.substring(0, Math.min(m.length(), 19));
      RegistryClient.Manifest manifest;
      try {
        manifest = registry.fetchManifest(image.withDigest(m));
      } catch (RegistryException e) {
        if (e.reason() == RegistryException.Reason.NOT_FOUND) {
          notes.add(source + " names " + m + ", which the registry does not have");
          continue;
        }
        throw e;
      }
      try {
        UntrustedJson doc = UntrustedJson.parse(manifest.bytes(), where + " manifest");
        JsonNode subject = doc.object(doc.root(), "subject", "");
        String subjectDigest = doc.text(subject, "digest", "subject");
        if (!subjectDigest.equals(digest)) {
          notes.add(where + " is about " + subjectDigest + ", not " + digest);
          continue;
        }
        JsonNode layers = doc.array(doc.root(), "layers", "");
        if (layers.size() != 1) {
          notes.add(where + " has " + layers.size() + " layers, not 1");
          continue;
        }
        String mediaType = doc.text(layers.get(0), "mediaType", "layers[0]");
        String blob = doc.text(layers.get(0), "digest", "layers[0]");
        out.add(new Stored(where, mediaType, registry.fetchBlob(image, blob, MAX_ENVELOPE_BYTES)));
      } catch (MalformedJsonException e) {
        notes.add(e.getMessage());
      } catch (RegistryException e) {
        if (e.sourceUnavailable()) {
          throw e;
        }
        notes.add(where + ": " + e.getMessage());
      }
    }
    if (out.isEmpty() && notes.isEmpty()) {
      notes.add("no notation signatures");
    }
    return new Found(out, notes);
  }

  /** The digests of the notation signature manifests an index lists, the first few. */
  private static List<String> signatureManifests(
      ImageReference image, byte[] index, String source, List<String> notes)
      throws RegistryException {
    List<String> out = new ArrayList<>();
    try {
      UntrustedJson doc = UntrustedJson.parse(index, source);
      JsonNode manifests = doc.array(doc.root(), "manifests", "");
      int skipped = 0;
      for (int i = 0; i < manifests.size(); i++) {
        JsonNode d = manifests.get(i);
        if (!ARTIFACT_TYPE.equals(d.path("artifactType").asText())) {
          continue;
        }
        String digest = doc.text(d, "digest", "manifests[" + i + "]");
        if (!digest.matches("sha256:[0-9a-f]{64}")) {
          throw doc.error("manifests[" + i + "].digest", "is not sha256:<64 hex>");
        }
        if (out.size() < MAX_SIGNATURES) {
          out.add(digest);
        } else {
          skipped++;
        }
      }
      if (skipped > 0) {
        notes.add(
            source
                + " lists "
                + skipped
                + " more notation signatures than the "
                + MAX_SIGNATURES
                + " read");
      }
    } catch (MalformedJsonException e) {
      throw new RegistryException(
          RegistryException.Reason.MALFORMED, image + ": " + e.getMessage());
    }
    return out;
  }
}
