package dev.keychain.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Checks at start-up that the operator reaches its cluster, and says which one: the first thing a
 * user needs to know when the operator does nothing.
 */
@Singleton
public class ClusterConnection {
  private static final Logger LOG = Logger.getLogger(ClusterConnection.class);
  private final KubernetesClient client;

  public ClusterConnection(KubernetesClient client) {
    this.client = client;
  }

  void onStart(@Observes StartupEvent event) {
    var version = client.getKubernetesVersion();
    LOG.infof(
        "connected to Kubernetes %s at %s",
        version.getGitVersion(), client.getConfiguration().getMasterUrl());
  }
}
