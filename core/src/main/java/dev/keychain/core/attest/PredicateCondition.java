package dev.keychain.core.attest;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One condition on an attestation's predicate: the value at a JSON pointer equals an expected
 * string. {@code builderId} and {@code sourceRepository} name where SLSA provenance v0.2 and v1
 * keep them; the first of the pointers that is present decides, so a later field cannot override a
 * mismatching earlier one. Repository URIs compare without {@code git+}, a trailing {@code @ref},
 * {@code .git} or {@code /}, and with the host in lower case.
 */
public record PredicateCondition(
    String field, List<String> pointers, String expected, boolean repository) {
  static final int MAX_VALUE = 1024;

  public PredicateCondition {
    pointers = List.copyOf(pointers);
    for (String p : pointers) {
      try {
        JsonPointer.compile(p);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(field + ": '" + p + "' is not a JSON pointer");
      }
    }
    if (expected.isEmpty() || expected.length() > MAX_VALUE) {
      throw new IllegalArgumentException(
          field + ": expected value must have 1 to " + MAX_VALUE + " characters");
    }
  }

  /** The builder ID of SLSA provenance of {@code predicateType}. */
  public static PredicateCondition builderId(String predicateType, String expected) {
    return new PredicateCondition(
        "builderId",
        switch (slsa(predicateType, "builderId")) {
          case PredicateTypes.SLSA_PROVENANCE_V02 -> List.of("/builder/id");
          default -> List.of("/runDetails/builder/id");
        },
        expected,
        false);
  }

  /** The source repository SLSA provenance of {@code predicateType} was built from. */
  public static PredicateCondition sourceRepository(String predicateType, String expected) {
    return new PredicateCondition(
        "sourceRepository",
        switch (slsa(predicateType, "sourceRepository")) {
          case PredicateTypes.SLSA_PROVENANCE_V02 ->
              List.of("/invocation/configSource/uri", "/materials/0/uri");
          default ->
              List.of(
                  "/buildDefinition/externalParameters/workflow/repository",
                  "/buildDefinition/resolvedDependencies/0/uri");
        },
        expected,
        true);
  }

  /** The value at {@code pointer} in the predicate. */
  public static PredicateCondition at(String pointer, String expected) {
    return new PredicateCondition(pointer, List.of(pointer), expected, false);
  }

  private static String slsa(String predicateType, String field) {
    if (!PredicateTypes.isSlsaProvenance(predicateType)) {
      throw new IllegalArgumentException(
          field + " applies to SLSA provenance (v0.2 or v1), not to " + predicateType);
    }
    return predicateType;
  }

  /** Why {@code predicate} does not meet the condition; empty if it does. */
  public Optional<String> unmet(JsonNode predicate) {
    for (String p : pointers) {
      JsonNode v = predicate.at(p);
      if (v.isMissingNode() || v.isNull()) {
        continue;
      }
      if (!v.isValueNode()) {
        return Optional.of(field + " (" + p + ") is not a string");
      }
      String actual = v.asText();
      boolean equal =
          repository
              ? normalizeRepository(actual).equals(normalizeRepository(expected))
              : actual.equals(expected);
      return equal
          ? Optional.empty()
          : Optional.of(field + " is '" + shorten(actual) + "', not '" + expected + "'");
    }
    return Optional.of(field + " is absent (" + String.join(", ", pointers) + ")");
  }

  @Override
  public String toString() {
    return field + " = " + expected;
  }

  static String normalizeRepository(String uri) {
    String s = uri.startsWith("git+") ? uri.substring(4) : uri;
    int scheme = s.indexOf("://");
    int pathStart = scheme < 0 ? 0 : s.indexOf('/', scheme + 3);
    String authority = pathStart < 0 ? s : s.substring(0, pathStart);
    String path = pathStart < 0 ? "" : s.substring(pathStart);
    int ref = path.indexOf('@');
    if (ref >= 0) {
      path = path.substring(0, ref);
    }
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.endsWith(".git")) {
      path = path.substring(0, path.length() - 4);
    }
    return authority.toLowerCase(Locale.ROOT) + path;
  }

  private static String shorten(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}
