package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/**
 * Notary Project (Notation) signatures: referrers of the image, by the OCI referrers API or tag.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NotationTrustSpec {
  @Default("true")
  @JsonPropertyDescription(
      "Look for Notation signatures (JWS or COSE, scheme notary.x509); signers match the leaf key, or a CA with a subject.")
  private Boolean enabled = true;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }
}
