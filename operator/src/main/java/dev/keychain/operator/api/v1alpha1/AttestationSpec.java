package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** An attestation the governed images must carry (cosign attest, in-toto statements). */
@ValidationRule(
    value =
        "(!has(self.builderId) && !has(self.sourceRepository)) || self.predicateType in ['slsaprovenance', 'slsaprovenance02', 'slsaprovenance1', 'https://slsa.dev/provenance/v0.2', 'https://slsa.dev/provenance/v1']",
    message = "builderId and sourceRepository apply to SLSA provenance predicate types only")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AttestationSpec {
  @Required
  @Size(max = 256)
  @Pattern("^([a-z0-9]+|[a-z][a-z0-9+.-]*://[!-~]+)$")
  @JsonPropertyDescription(
      "Predicate type: a URI (e.g. `https://slsa.dev/provenance/v1`) or a cosign `--type` name: slsaprovenance (v0.2), slsaprovenance1, spdxjson, cyclonedx, custom.")
  private String predicateType;

  @Size(max = 16)
  @JsonPropertyDescription(
      "Names of this whitelist's signers (with a publicKey) that may sign it; default: any of them.")
  private List<@Pattern("^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$") String> signers;

  @Size(min = 1, max = 1024)
  @JsonPropertyDescription(
      "SLSA provenance only: the builder ID that must have built the image (`builder.id` in v0.2, `runDetails.builder.id` in v1).")
  private String builderId;

  @Size(min = 1, max = 1024)
  @JsonPropertyDescription(
      "SLSA provenance only: the source repository the image was built from (`invocation.configSource.uri` in v0.2, `buildDefinition.externalParameters.workflow.repository` in v1). Compared without `git+`, `@ref`, `.git` and a trailing `/`.")
  private String sourceRepository;

  @Size(max = 16)
  @JsonPropertyDescription(
      "Further conditions: the predicate value at a JSON pointer equals a string.")
  private List<PredicateConditionSpec> conditions;

  public String getPredicateType() {
    return predicateType;
  }

  public void setPredicateType(String predicateType) {
    this.predicateType = predicateType;
  }

  public List<String> getSigners() {
    return signers;
  }

  public void setSigners(List<String> signers) {
    this.signers = signers;
  }

  public String getBuilderId() {
    return builderId;
  }

  public void setBuilderId(String builderId) {
    this.builderId = builderId;
  }

  public String getSourceRepository() {
    return sourceRepository;
  }

  public void setSourceRepository(String sourceRepository) {
    this.sourceRepository = sourceRepository;
  }

  public List<PredicateConditionSpec> getConditions() {
    return conditions;
  }

  public void setConditions(List<PredicateConditionSpec> conditions) {
    this.conditions = conditions;
  }
}
