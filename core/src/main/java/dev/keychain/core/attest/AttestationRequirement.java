package dev.keychain.core.attest;

import java.util.List;
import java.util.Set;

/**
 * An attestation an image must carry: an in-toto statement about its digest with this predicate
 * type, signed by one of {@code signers} (names of whitelisted signers; empty: any of them), whose
 * predicate meets every condition.
 */
public record AttestationRequirement(
    String name, String predicateType, Set<String> signers, List<PredicateCondition> conditions) {
  public AttestationRequirement {
    signers = Set.copyOf(signers);
    conditions = List.copyOf(conditions);
  }

  /** What denials call it: "attestation slsaprovenance1 (builderId = ...)". */
  public String describe() {
    return "attestation "
        + name
        + (conditions.isEmpty()
            ? ""
            : " ("
                + String.join(", ", conditions.stream().map(PredicateCondition::toString).toList())
                + ")");
  }
}
