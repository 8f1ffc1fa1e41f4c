package dev.keychain.core.attest;

import java.util.Map;
import java.util.Optional;

/**
 * Predicate type URIs and the short names {@code cosign attest --type} accepts for them, so that a
 * whitelist may say {@code slsaprovenance1} where cosign users would.
 */
public final class PredicateTypes {
  public static final String SLSA_PROVENANCE_V02 = "https://slsa.dev/provenance/v0.2";
  public static final String SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
  public static final String SPDX = "https://spdx.dev/Document";
  public static final String CYCLONEDX = "https://cyclonedx.org/bom";
  public static final String COSIGN_CUSTOM = "https://cosign.sigstore.dev/attestation/v1";

  private static final Map<String, String> ALIASES =
      Map.of(
          "slsaprovenance", SLSA_PROVENANCE_V02,
          "slsaprovenance02", SLSA_PROVENANCE_V02,
          "slsaprovenance1", SLSA_PROVENANCE_V1,
          "spdx", SPDX,
          "spdxjson", SPDX,
          "cyclonedx", CYCLONEDX,
          "custom", COSIGN_CUSTOM);

  private PredicateTypes() {}

  /** The URI a short name or URI stands for; empty if it is neither. */
  public static Optional<String> resolve(String nameOrUri) {
    String alias = ALIASES.get(nameOrUri);
    if (alias != null) {
      return Optional.of(alias);
    }
    return nameOrUri.matches("[a-z][a-z0-9+.-]*://\\S+")
        ? Optional.of(nameOrUri)
        : Optional.empty();
  }

  /** Whether the type is SLSA provenance, whose builder and source the conditions can name. */
  static boolean isSlsaProvenance(String uri) {
    return uri.equals(SLSA_PROVENANCE_V02) || uri.equals(SLSA_PROVENANCE_V1);
  }
}
