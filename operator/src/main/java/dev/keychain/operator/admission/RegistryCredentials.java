package dev.keychain.operator.admission;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** Reads a whitelist's registry credentials Secret ({@code username}, {@code password}). */
final class RegistryCredentials {
  private RegistryCredentials() {}

  /**
   * The credentials, none if the whitelist names no Secret; an error names what is missing. A
   * ClusterSignerWhitelist's Secret is in {@code operatorNamespace}: a cluster policy must not read
   * Secrets of the namespaces it governs.
   */
  static Optional<String[]> read(
      KubernetesClient client, HasMetadata wl, String operatorNamespace) {
    var registry = WhitelistCompiler.specOf(wl).getRegistry();
    if (registry == null || registry.getCredentialsSecret() == null) {
      return Optional.empty();
    }
    String name = registry.getCredentialsSecret();
    String own = WhitelistCompiler.namespaceOf(wl);
    String namespace = own.isEmpty() ? operatorNamespace : own;
    Secret s = client.secrets().inNamespace(namespace).withName(name).get();
    if (s == null) {
      throw new IllegalStateException(
          "registry credentials Secret " + namespace + "/" + name + " not found");
    }
    String user = entry(s, "username");
    String password = entry(s, "password");
    return Optional.of(new String[] {user, password});
  }

  private static String entry(Secret s, String key) {
    String v = s.getData() == null ? null : s.getData().get(key);
    if (v == null || v.isEmpty()) {
      throw new IllegalStateException(
          "registry credentials Secret " + s.getMetadata().getName() + " has no " + key);
    }
    return new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
  }
}
