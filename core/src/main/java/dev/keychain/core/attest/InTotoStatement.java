package dev.keychain.core.attest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.json.UntrustedJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An in-toto statement (v0.1 or v1): the artifacts it is about, by digest, and a typed predicate
 * (SLSA provenance, an SBOM, ...). It says something about an image only if a subject carries the
 * image's manifest digest.
 */
public record InTotoStatement(
    String predicateType, List<String> subjectDigests, JsonNode predicate) {
  public static final Set<String> TYPES =
      Set.of("https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1");
  static final int MAX_SUBJECTS = 1024;

  public InTotoStatement {
    subjectDigests = List.copyOf(subjectDigests);
  }

  /** Parses a statement; errors name {@code document} and the field that is wrong. */
  public static InTotoStatement parse(byte[] json, String document) throws MalformedJsonException {
    UntrustedJson doc = UntrustedJson.parse(json, document);
    String type = doc.text(doc.root(), "_type", "");
    if (!TYPES.contains(type)) {
      throw doc.error("_type", "is '" + type + "', not an in-toto Statement v0.1 or v1");
    }
    String predicateType = doc.text(doc.root(), "predicateType", "");
    JsonNode subjects = doc.array(doc.root(), "subject", "");
    if (subjects.isEmpty()) {
      throw doc.error("subject", "is empty");
    }
    if (subjects.size() > MAX_SUBJECTS) {
      throw doc.error("subject", "has more than " + MAX_SUBJECTS + " entries");
    }
    List<String> digests = new ArrayList<>();
    for (int i = 0; i < subjects.size(); i++) {
      String at = "subject[" + i + "]";
      JsonNode sha = doc.object(subjects.get(i), "digest", at).get("sha256");
      if (sha == null) {
        continue; // a subject named by another algorithm only: not an image manifest digest
      }
      if (!sha.isTextual() || !sha.asText().matches("[0-9a-f]{64}")) {
        throw doc.error(at + ".digest.sha256", "is not 64 lowercase hex digits");
      }
      digests.add("sha256:" + sha.asText());
    }
    JsonNode predicate = doc.root().get("predicate");
    if (predicate != null && !predicate.isObject() && !predicate.isNull()) {
      throw doc.error("predicate", "is not an object");
    }
    return new InTotoStatement(
        predicateType,
        digests,
        predicate == null || predicate.isNull()
            ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
            : predicate);
  }

  /** Whether the statement is about the manifest with {@code digest} ("sha256:..."). */
  public boolean covers(String digest) {
    return subjectDigests.contains(digest);
  }
}
