package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A whitelisted signer: matched by key ID only, never by name or role. */
@ValidationRule(
    value =
        "!has(self.subject) || (has(self.publicKey) && self.publicKey.startsWith('-----BEGIN CERTIFICATE-----'))",
    message = "subject needs publicKey: the CA certificate whose key keyId names")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SignerSpec {
  @Required
  @Pattern("^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$")
  @JsonPropertyDescription("Name shown in decisions and status.")
  private String name;

  @Required
  @Pattern("^[0-9a-f]{64}$")
  @JsonPropertyDescription(
      "Key ID: the notary key ID (as `notary delegation list` or `docker trust inspect` print it, or the TUF key ID), the SHA-256 fingerprint of the DER public key (cosign, Notation), or the SHA-256 thumbprint of a Notation leaf certificate.")
  private String keyId;

  @Size(max = 16384)
  @ValidationRule(
      value =
          "self.startsWith('-----BEGIN PUBLIC KEY-----') || self.startsWith('-----BEGIN CERTIFICATE-----')",
      message = "publicKey must be a PEM PUBLIC KEY or CERTIFICATE block")
  @JsonPropertyDescription(
      "PEM public key or certificate of the signer; required to verify cosign signatures. If given, keyId must be one of its IDs.")
  private String publicKey;

  @Size(min = 1, max = 1024)
  @JsonPropertyDescription(
      "Notation only: makes this signer a CA (publicKey its certificate, keyId its key) trusted for signatures whose leaf certificate it issued to this subject, e.g. `CN=release,O=Example,C=US` (attributes in any order), as a Notation trust store with a trusted identity `x509.subject: ...`.")
  private String subject;

  public String getSubject() {
    return subject;
  }

  public void setSubject(String subject) {
    this.subject = subject;
  }

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
