package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** A Notary v1 server (Docker Content Trust) and the pinned root of trust of its repositories. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NotaryTrustSpec {
  @Required
  @Pattern("^https://[^\\s]+$")
  @Size(max = 2048)
  @JsonPropertyDescription("Notary server URL (https).")
  private String server;

  @Required
  @Size(min = 1, max = 16)
  @JsonPropertyDescription(
      "Root key IDs a repository's root metadata must be signed by (as `notary key list` prints them). No trust on first use.")
  private List<@Pattern("^[0-9a-f]{64}$") String> rootKeyIds;

  @Size(max = 65536)
  @ValidationRule(
      value = "self.startsWith('-----BEGIN CERTIFICATE-----')",
      message = "caBundle must be PEM certificates")
  @JsonPropertyDescription(
      "PEM CA certificates for the server's TLS certificate; default: the system trust store.")
  private String caBundle;

  public String getServer() {
    return server;
  }

  public void setServer(String server) {
    this.server = server;
  }

  public List<@Pattern("^[0-9a-f]{64}$") String> getRootKeyIds() {
    return rootKeyIds;
  }

  public void setRootKeyIds(List<@Pattern("^[0-9a-f]{64}$") String> rootKeyIds) {
    this.rootKeyIds = rootKeyIds;
  }

  public String getCaBundle() {
    return caBundle;
  }

  public void setCaBundle(String caBundle) {
    this.caBundle = caBundle;
  }
}
