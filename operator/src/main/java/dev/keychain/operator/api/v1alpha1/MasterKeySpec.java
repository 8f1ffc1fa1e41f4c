package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** Where the key-encryption key lives. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.provider != 'kubernetes-secret' || has(self.secretName)",
    message = "masterKey.secretName is required with provider kubernetes-secret")
public class MasterKeySpec {
  public static final String KUBERNETES_SECRET = "kubernetes-secret";
  public static final String PKCS11 = "pkcs11";

  @Default(KUBERNETES_SECRET)
  @ValidationRule(
      value = "self == 'kubernetes-secret' || self == 'pkcs11'",
      message = "provider must be kubernetes-secret or pkcs11")
  @JsonPropertyDescription(
      "kubernetes-secret: a 256-bit KEK in a Secret of this namespace (created if missing);"
          + " pkcs11: an AES-256 KEK on the operator's HSM token, which never leaves it.")
  private String provider = KUBERNETES_SECRET;

  @Default("keychain-kek")
  @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
  @JsonPropertyDescription(
      "For kubernetes-secret: the Secret holding entries kek.v<N>; the highest N is primary."
          + " Add kek.v<N+1> to rotate: the operator rewraps every stored key.")
  private String secretName = "keychain-kek";

  public String getProvider() {
    return provider;
  }

  public void setProvider(String provider) {
    this.provider = provider;
  }

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }
}
