package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** The shared item. */
@ValidationRule(
    value = "has(self.derivedKey) != has(self.secretRef)",
    message = "item needs exactly one of derivedKey or secretRef")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ShareItemSpec {
  @Pattern("^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$")
  @JsonPropertyDescription(
      "A 256-bit key the owner's chain derives for this purpose (from the owner's group key and sub-key epoch): rotating the owner's key makes a new version.")
  private String derivedKey;

  @JsonPropertyDescription(
      "An entry of a Secret in this namespace (at most 64 KiB); changing it makes a new version.")
  private SecretKeyRef secretRef;

  public String getDerivedKey() {
    return derivedKey;
  }

  public void setDerivedKey(String derivedKey) {
    this.derivedKey = derivedKey;
  }

  public SecretKeyRef getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(SecretKeyRef secretRef) {
    this.secretRef = secretRef;
  }
}
