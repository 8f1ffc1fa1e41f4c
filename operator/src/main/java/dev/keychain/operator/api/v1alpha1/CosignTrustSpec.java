package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** cosign signatures stored in the registry beside the image (sha256-<digest>.sig). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CosignTrustSpec {
  @Default("true")
  @JsonPropertyDescription("Look for cosign signatures; signers need publicKey.")
  private Boolean enabled = true;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }
}
