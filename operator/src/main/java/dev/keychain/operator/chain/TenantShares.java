package dev.keychain.operator.chain;

import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.SecretKeyRef;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Singleton;
import java.util.Base64;

/** Reads a chain's tenant share from the Secret its spec names; problems become conditions. */
@Singleton
public class TenantShares {
  private final KubernetesClient client;

  public TenantShares(KubernetesClient client) {
    this.client = client;
  }

  /** The share (32 bytes); the caller destroys it. */
  public SecretBytes read(KeyChain chain) {
    SecretKeyRef ref = chain.getSpec().getTenantShareSecretRef();
    String ns = chain.getMetadata().getNamespace();
    Secret secret = client.secrets().inNamespace(ns).withName(ref.getName()).get();
    if (secret == null) {
      throw new ChainProblem(
          "TenantShareMissing",
          "Secret "
              + ref.getName()
              + " (tenantShareSecretRef) does not exist in namespace "
              + ns
              + "; create it with 32 random bytes under the key '"
              + ref.getKey()
              + "'");
    }
    String value = secret.getData() == null ? null : secret.getData().get(ref.getKey());
    if (value == null) {
      throw new ChainProblem(
          "TenantShareMissing",
          "Secret "
              + ref.getName()
              + " has no entry '"
              + ref.getKey()
              + "' (tenantShareSecretRef)");
    }
    byte[] bytes = Base64.getDecoder().decode(value);
    if (bytes.length != 32) {
      int n = bytes.length;
      java.util.Arrays.fill(bytes, (byte) 0);
      throw new ChainProblem(
          "TenantShareInvalid",
          "Secret "
              + ref.getName()
              + " entry '"
              + ref.getKey()
              + "' must hold exactly 32 bytes, holds "
              + n);
    }
    return SecretBytes.adopt(bytes, SecretAccess.grant());
  }
}
