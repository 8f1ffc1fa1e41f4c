package dev.keychain.core.signers;

import java.util.List;
import java.util.Optional;

/**
 * The decision for one image: allowed or not, why (a stable reason for metrics and tests), the
 * digest it was decided for, a message naming the image, the key IDs and the cause, and whether the
 * decision may be cached (decisions forced by an unavailable source are not).
 */
public record Verdict(
    boolean allowed,
    Reason reason,
    String image,
    Optional<String> digest,
    String message,
    List<String> matchedSigners,
    boolean cacheable) {
  /** Why. */
  public enum Reason {
    SIGNED,
    UNSIGNED,
    NOT_PERMITTED_KEY,
    POLICY_NOT_MET,
    ATTESTATION_NOT_MET,
    TAG_MOVED,
    TRUST_DATA_INVALID,
    UNAVAILABLE,
    INVALID_IMAGE,
    POLICY_UNUSABLE
  }

  public static Verdict error(
      Reason reason, String image, Optional<String> digest, String message) {
    return new Verdict(false, reason, image, digest, message, List.of(), false);
  }
}
