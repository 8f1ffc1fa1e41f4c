package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Which images this whitelist governs, who may sign them, and where signatures are found. */
@ValidationRule(
    value =
        "!has(self.policy) || self.policy.rule != 'Threshold' || (has(self.policy.threshold) && self.policy.threshold <= size(self.signers))",
    message = "policy Threshold needs a threshold no larger than the number of signers")
@ValidationRule(
    value =
        "!has(self.trust.cosign) || !self.trust.cosign.enabled || self.signers.exists(s, has(s.publicKey))",
    message = "cosign trust needs at least one signer with a publicKey")
@ValidationRule(
    value =
        "!has(self.attestations) || size(self.attestations) == 0 || (has(self.trust.cosign) && self.trust.cosign.enabled)",
    message = "attestations need trust.cosign.enabled: they are read as cosign attestations")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SignerWhitelistSpec {
  @Required
  @Size(min = 1, max = 64)
  @JsonPropertyDescription(
      "Image name patterns (registry/repository, no tag) this whitelist governs; `*` matches within one path segment, `**` across segments, e.g. `registry.example.com/edge/*`.")
  private List<@Pattern("^[a-z0-9.:\\[\\]*/_-]+$") String> images;

  @Required
  @Size(min = 1, max = 64)
  @JsonPropertyDescription("Whitelisted signers.")
  private List<SignerSpec> signers;

  @JsonPropertyDescription("Any (default), All, or a Threshold of distinct keys.")
  private SignerPolicySpec policy;

  @Required
  @JsonPropertyDescription("Notary server and/or cosign signatures.")
  private TrustSpec trust;

  @JsonPropertyDescription("Registry TLS, plain HTTP and credentials.")
  private RegistrySpec registry;

  @Default("Enforce")
  @ValidationRule(value = "self in ['Enforce', 'Audit']", message = "mode must be Enforce or Audit")
  @JsonPropertyDescription(
      "Enforce denies what fails; Audit admits it with a warning and an audit event.")
  private String mode = "Enforce";

  @Size(max = 8)
  @JsonPropertyDescription(
      "Attestations every governed image must carry on top of its signatures: in-toto statements about its digest (SLSA provenance, SBOMs) signed by a whitelisted key, as `cosign attest --key` stores them, with conditions on the predicate.")
  private List<AttestationSpec> attestations;

  @Default("true")
  @JsonPropertyDescription(
      "Rewrite admitted images to the digest that was verified (`name:tag@sha256:...`) in pods and pod templates, so that nodes run exactly what was verified, however the tag moves later. An image several whitelists govern is pinned unless one of them sets false.")
  private Boolean pinDigests = true;

  @JsonPropertyDescription(
      "What happens to running pods whose images this whitelist no longer verifies (a signer removed, a key replaced, a threshold raised): they are verified again on each change and periodically, and reported, restricted or evicted.")
  private RunningPodsSpec runningPods;

  public RunningPodsSpec getRunningPods() {
    return runningPods;
  }

  public void setRunningPods(RunningPodsSpec runningPods) {
    this.runningPods = runningPods;
  }

  public List<AttestationSpec> getAttestations() {
    return attestations;
  }

  public void setAttestations(List<AttestationSpec> attestations) {
    this.attestations = attestations;
  }

  public Boolean getPinDigests() {
    return pinDigests;
  }

  public void setPinDigests(Boolean pinDigests) {
    this.pinDigests = pinDigests;
  }

  public List<@Pattern("^[a-z0-9.:\\[\\]*/_-]+$") String> getImages() {
    return images;
  }

  public void setImages(List<@Pattern("^[a-z0-9.:\\[\\]*/_-]+$") String> images) {
    this.images = images;
  }

  public List<SignerSpec> getSigners() {
    return signers;
  }

  public void setSigners(List<SignerSpec> signers) {
    this.signers = signers;
  }

  public SignerPolicySpec getPolicy() {
    return policy;
  }

  public void setPolicy(SignerPolicySpec policy) {
    this.policy = policy;
  }

  public TrustSpec getTrust() {
    return trust;
  }

  public void setTrust(TrustSpec trust) {
    this.trust = trust;
  }

  public RegistrySpec getRegistry() {
    return registry;
  }

  public void setRegistry(RegistrySpec registry) {
    this.registry = registry;
  }

  public String getMode() {
    return mode;
  }

  public void setMode(String mode) {
    this.mode = mode;
  }
}
