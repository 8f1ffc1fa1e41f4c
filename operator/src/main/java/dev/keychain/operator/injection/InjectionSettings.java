package dev.keychain.operator.injection;

import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** What the injection webhook puts into pods: agent image, operator URL, token audience, mode. */
@Singleton
public class InjectionSettings {
  private static final Logger LOG = Logger.getLogger(InjectionSettings.class);

  final String image;
  final String pullPolicy;
  final String operatorUrl;
  final String audience;
  final long tokenExpirationSeconds;
  private final String sidecarMode;
  private final KubernetesClient client;
  private volatile Boolean nativeSidecar;

  public InjectionSettings(
      KubernetesClient client,
      @ConfigProperty(name = "keychain.agent.image") String image,
      @ConfigProperty(name = "keychain.agent.image-pull-policy", defaultValue = "IfNotPresent")
          String pullPolicy,
      @ConfigProperty(name = "keychain.agent.operator-url") Optional<String> operatorUrl,
      @ConfigProperty(name = "keychain.webhook.service", defaultValue = "keychain-operator")
          String service,
      @ConfigProperty(name = "keychain.operator.namespace") String namespace,
      @ConfigProperty(name = "keychain.agent.audience", defaultValue = "keychain.dev/agent")
          String audience,
      @ConfigProperty(name = "keychain.agent.token-expiration-seconds", defaultValue = "3600")
          long tokenExpirationSeconds,
      @ConfigProperty(name = "keychain.injection.sidecar", defaultValue = "auto")
          String sidecarMode) {
    this.client = client;
    this.image = image;
    this.pullPolicy = pullPolicy;
    this.operatorUrl = operatorUrl.orElse("https://" + service + "." + namespace + ".svc:443");
    this.audience = audience;
    this.tokenExpirationSeconds = tokenExpirationSeconds;
    this.sidecarMode = sidecarMode;
    if (!sidecarMode.matches("auto|native|container")) {
      throw new IllegalArgumentException(
          "keychain.injection.sidecar must be auto, native or container, not " + sidecarMode);
    }
  }

  /**
   * Whether the sidecar is a native sidecar (an init container with restartPolicy Always, beta and
   * on by default since Kubernetes 1.29): it then starts before and stops after the app.
   */
  boolean nativeSidecar() {
    if (!sidecarMode.equals("auto")) {
      return sidecarMode.equals("native");
    }
    Boolean known = nativeSidecar;
    if (known == null) {
      try {
        var version = client.getKubernetesVersion();
        int minor = Integer.parseInt(version.getMinor().replaceAll("[^0-9].*", ""));
        known = Integer.parseInt(version.getMajor()) > 1 || minor >= 29;
      } catch (RuntimeException e) {
        LOG.warnf(
            "cannot read the API server version (%s); injecting a plain sidecar", e.getMessage());
        return false;
      }
      nativeSidecar = known;
    }
    return known;
  }
}
