package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A whitelisted signer: matched by key ID only, never by name or role. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SignerSpec {
  @Required
  @Pattern("^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$")
  @JsonPropertyDescription("Name shown in decisions and status.")
  private String name;

  @Required
  @Pattern("^[0-9a-f]{64}$")
  @JsonPropertyDescription(
      "Key ID: the notary key ID (as `notary delegation list` or `docker trust inspect` print it, or the TUF key ID) or the SHA-256 fingerprint of the DER public key (cosign).")
  private String keyId;

  @Size(max = 16384)
  @ValidationRule(
      value =
          "self.startsWith('-----BEGIN PUBLIC KEY-----') || self.startsWith('-----BEGIN CERTIFICATE-----')",
      message = "publicKey must be a PEM PUBLIC KEY or CERTIFICATE block")
  @JsonPropertyDescription(
      "PEM public key or certificate of the signer; required to verify cosign signatures. If given, keyId must be one of its IDs.")
  private String publicKey;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKeyId() {
    return keyId;
  }

  public void setKeyId(String keyId) {
    this.keyId = keyId;
  }

  public String getPublicKey() {
    return publicKey;
  }

  public void setPublicKey(String publicKey) {
    this.publicKey = publicKey;
  }
}
