package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** Where signatures are looked for; at least one source. */
@ValidationRule(
    value =
        "has(self.notary) || (has(self.cosign) && self.cosign.enabled) || (has(self.notation) && self.notation.enabled)",
    message = "trust needs notary, cosign or notation")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrustSpec {
  @JsonPropertyDescription("Notary v1 trust data (TUF metadata incl. delegation roles).")
  private NotaryTrustSpec notary;

  @JsonPropertyDescription("cosign key-based signatures in the registry.")
  private CosignTrustSpec cosign;

  @JsonPropertyDescription(
      "Notary Project (Notation) signatures, found by the OCI referrers API or the referrers tag.")
  private NotationTrustSpec notation;

  public NotationTrustSpec getNotation() {
    return notation;
  }

  public void setNotation(NotationTrustSpec notation) {
    this.notation = notation;
  }

  public NotaryTrustSpec getNotary() {
    return notary;
  }

  public void setNotary(NotaryTrustSpec notary) {
    this.notary = notary;
  }

  public CosignTrustSpec getCosign() {
    return cosign;
  }

  public void setCosign(CosignTrustSpec cosign) {
    this.cosign = cosign;
  }
}
