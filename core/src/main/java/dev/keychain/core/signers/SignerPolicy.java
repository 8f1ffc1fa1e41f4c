package dev.keychain.core.signers;

import dev.keychain.core.attest.AttestationRequirement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which signatures admit an image: {@code ANY} whitelisted key (seed 002's rule), {@code ALL} of
 * the listed signers, or a {@code THRESHOLD} of distinct whitelisted keys. Keys count once however
 * many signatures they made and under however many IDs they are listed. Required attestations come
 * on top: each must be met by a signed in-toto statement about the image.
 */
public record SignerPolicy(
    List<TrustedSigner> signers,
    Rule rule,
    int threshold,
    List<AttestationRequirement> attestations) {
  /** The rule. */
  public enum Rule {
    ANY,
    ALL,
    THRESHOLD
  }

  public SignerPolicy {
    signers = List.copyOf(signers);
    attestations = List.copyOf(attestations);
    if (signers.isEmpty()) {
      throw new IllegalArgumentException("a signer policy needs at least one signer");
    }
    if (rule == Rule.THRESHOLD && (threshold < 1 || threshold > signers.size())) {
      throw new IllegalArgumentException(
          "threshold "
              + threshold
              + " must be between 1 and the number of signers "
              + signers.size());
    }
  }

  public SignerPolicy(List<TrustedSigner> signers, Rule rule, int threshold) {
    this(signers, rule, threshold, List.of());
  }

  /**
   * This policy, also requiring these attestations; each names signers of this policy that have a
   * public key (attestations carry no key), or none for any such signer.
   */
  public SignerPolicy requiring(List<AttestationRequirement> required) {
    Set<String> withKeys = new LinkedHashSet<>();
    signers.stream().filter(s -> s.publicKey().isPresent()).forEach(s -> withKeys.add(s.name()));
    for (AttestationRequirement a : required) {
      if (withKeys.isEmpty()) {
        throw new IllegalArgumentException(
            a.describe() + ": attestations need a signer with a publicKey");
      }
      for (String name : a.signers()) {
        if (!withKeys.contains(name)) {
          throw new IllegalArgumentException(
              a.describe()
                  + ": signer "
                  + name
                  + " is not a usable whitelisted signer with a publicKey");
        }
      }
    }
    return new SignerPolicy(signers, rule, threshold, required);
  }

  public static SignerPolicy any(List<TrustedSigner> signers) {
    return new SignerPolicy(signers, Rule.ANY, 1);
  }

  /** The outcome of applying the policy to what was found. */
  public record Outcome(
      boolean satisfied, List<String> matched, List<FoundSigner> strangers, String shortfall) {}

  public Outcome apply(List<FoundSigner> found) {
    // distinct keys (by canonical ID) that a whitelisted signer names, with the signers' names
    Map<String, Set<String>> matchedKeys = new LinkedHashMap<>();
    Set<TrustedSigner> matchedSigners = new LinkedHashSet<>();
    List<FoundSigner> strangers = new ArrayList<>();
    Set<String> strangerIds = new LinkedHashSet<>();
    for (FoundSigner f : found) {
      boolean any = false;
      for (TrustedSigner s : signers) {
        if (s.matches(f)) {
          matchedKeys.computeIfAbsent(f.keyId(), k -> new LinkedHashSet<>()).add(s.name());
          matchedSigners.add(s);
          any = true;
        }
      }
      if (!any && strangerIds.add(f.keyId())) {
        strangers.add(f);
      }
    }
    List<String> matched = new ArrayList<>();
    matchedKeys.forEach((id, names) -> matched.add(String.join("/", names) + " (" + id + ")"));
    return switch (rule) {
      case ANY -> new Outcome(!matchedKeys.isEmpty(), matched, strangers, "");
      case THRESHOLD ->
          new Outcome(
              matchedKeys.size() >= threshold,
              matched,
              strangers,
              "signed by "
                  + matchedKeys.size()
                  + " distinct whitelisted key(s), policy requires "
                  + threshold);
      case ALL -> {
        List<String> missing =
            signers.stream()
                .filter(s -> !matchedSigners.contains(s))
                .map(TrustedSigner::name)
                .toList();
        yield new Outcome(
            missing.isEmpty(),
            matched,
            strangers,
            "policy requires all signers, missing " + String.join(", ", missing));
      }
    };
  }
}
