package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** How many whitelisted signers must have signed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SignerPolicySpec {
  @Default("Any")
  @ValidationRule(
      value = "self in ['Any', 'All', 'Threshold']",
      message = "rule must be Any, All or Threshold")
  @JsonPropertyDescription(
      "Any: one whitelisted key (seed 002's rule). All: every listed signer. Threshold: at least `threshold` distinct whitelisted keys.")
  private String rule = "Any";

  @Min(1)
  @Max(64)
  @JsonPropertyDescription("Distinct whitelisted keys required when rule is Threshold.")
  private Integer threshold;

  public String getRule() {
    return rule;
  }

  public void setRule(String rule) {
    this.rule = rule;
  }

  public Integer getThreshold() {
    return threshold;
  }

  public void setThreshold(Integer threshold) {
    this.threshold = threshold;
  }
}
