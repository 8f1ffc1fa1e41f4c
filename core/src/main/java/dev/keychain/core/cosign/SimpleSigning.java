package dev.keychain.core.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.json.UntrustedJson;
import java.nio.charset.StandardCharsets;

/**
 * The "simple signing" payload cosign signs: it names the image by repository and manifest digest.
 * A signature counts for an image only if its payload names that image's digest.
 */
public final class SimpleSigning {
  public static final String TYPE = "cosign container image signature";

  private SimpleSigning() {}

  /**
   * The payload for {@code repository} (registry/repository) at {@code digest}, as cosign writes
   * it.
   */
  public static byte[] payload(String repository, String digest) {
    return ("{\"critical\":{\"identity\":{\"docker-reference\":\""
            + repository
            + "\"},\"image\":{\"docker-manifest-digest\":\""
            + digest
            + "\"},\"type\":\""
            + TYPE
            + "\"},\"optional\":null}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The manifest digest a payload names, after checking its type; errors name the field. */
  public static String signedDigest(byte[] payload) throws MalformedJsonException {
    UntrustedJson doc = UntrustedJson.parse(payload, "cosign payload");
    JsonNode critical = doc.object(doc.root(), "critical", "");
    String type = doc.text(critical, "type", "critical");
    if (!type.equals(TYPE)) {
      throw doc.error("critical.type", "is '" + type + "', not '" + TYPE + "'");
    }
    String digest =
        doc.text(
            doc.object(critical, "image", "critical"), "docker-manifest-digest", "critical.image");
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw doc.error("critical.image.docker-manifest-digest", "is not sha256:<64 hex>");
    }
    return digest;
  }
}
