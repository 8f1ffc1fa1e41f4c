package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** How to reach the registries of the governed images. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RegistrySpec {
  @Size(max = 65536)
  @ValidationRule(
      value = "self.startsWith('-----BEGIN CERTIFICATE-----')",
      message = "caBundle must be PEM certificates")
  @JsonPropertyDescription("PEM CA certificates for registry TLS; default: the system trust store.")
  private String caBundle;

  @JsonPropertyDescription(
      "Use plain HTTP (only for registries on a trusted network, e.g. loopback in tests).")
  private Boolean insecureHttp = false;

  @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
  @JsonPropertyDescription(
      "Secret with `username` and `password` for basic or token authentication: in the whitelist's namespace, or the operator's namespace for a ClusterSignerWhitelist.")
  private String credentialsSecret;

  public String getCaBundle() {
    return caBundle;
  }

  public void setCaBundle(String caBundle) {
    this.caBundle = caBundle;
  }

  public Boolean getInsecureHttp() {
    return insecureHttp;
  }

  public void setInsecureHttp(Boolean insecureHttp) {
    this.insecureHttp = insecureHttp;
  }

  public String getCredentialsSecret() {
    return credentialsSecret;
  }

  public void setCredentialsSecret(String credentialsSecret) {
    this.credentialsSecret = credentialsSecret;
  }
}
