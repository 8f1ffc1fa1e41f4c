package dev.keychain.operator.agent;

import static dev.keychain.operator.pods.AgentPodAnnotations.ACK_EPOCH;
import static dev.keychain.operator.pods.AgentPodAnnotations.ACK_KEY_ID;
import static dev.keychain.operator.pods.AgentPodAnnotations.ACK_SEEN;
import static dev.keychain.operator.pods.AgentPodAnnotations.ACK_SHARES;

import dev.keychain.operator.pods.AgentPodAnnotations;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The pods agents run in, as every replica sees them (an informer over injected pods only), and the
 * acknowledgements agents leave on them: the key ID and epoch an agent last received and when. The
 * instance reconciler reads these into the instance status (and completes a rotation once every
 * agent holds the new epoch), so no replica but the leader ever writes instance status.
 */
@Singleton
public class AgentPods {
  private static final Logger LOG = Logger.getLogger(AgentPods.class);

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final KubernetesClient client;
  private final Duration seenInterval;
  private SharedIndexInformer<Pod> informer;

  public AgentPods(
      KubernetesClient client,
      @ConfigProperty(name = "keychain.agent.last-seen-interval", defaultValue = "PT60S")
          Duration seenInterval) {
    this.client = client;
    this.seenInterval = seenInterval;
  }

  void start(@Observes StartupEvent e) {
    informer =
        client
            .pods()
            .inAnyNamespace()
            .withLabel(AgentPodAnnotations.AGENT_LABEL, "injected")
            .inform();
  }

  /** The pod, from the informer or (just created, not seen yet) from the API server. */
  public Pod get(String namespace, String name) {
    Pod pod =
        informer == null
            ? null
            : informer.getIndexer().getByKey(Cache.namespaceKeyFunc(namespace, name));
    if (pod == null) {
      pod = client.pods().inNamespace(namespace).withName(name).get();
    }
    return pod;
  }

  /**
   * Records on the pod that its agent received {@code keyId} at {@code epoch} and, for an agent
   * that takes shares, the share versions served ({@code namespace/share=version,...}), if that is
   * news.
   */
  public void acknowledge(
      Pod pod, String keyId, long epoch, java.util.Optional<String> shares, Instant now) {
    Map<String, String> a = pod.getMetadata().getAnnotations();
    String seen = a == null ? null : a.get(ACK_SEEN);
    boolean same =
        a != null
            && keyId.equals(a.get(ACK_KEY_ID))
            && Long.toString(epoch).equals(a.get(ACK_EPOCH))
            && shares.map(v -> v.equals(a.get(ACK_SHARES))).orElse(true)
            && seen != null
            && Instant.parse(seen).plus(seenInterval).isAfter(now);
    if (same) {
      return;
    }
    Map<String, String> annotations = new java.util.TreeMap<>();
    annotations.put(ACK_KEY_ID, keyId);
    annotations.put(ACK_EPOCH, Long.toString(epoch));
    annotations.put(ACK_SEEN, now.toString());
    shares.ifPresent(v -> annotations.put(ACK_SHARES, v));
    String patch;
    try {
      patch = JSON.writeValueAsString(Map.of("metadata", Map.of("annotations", annotations)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    } catch (KubernetesClientException e) {
      // The agent has its key; the status catches up with the next acknowledgement.
      LOG.warnf(
          "cannot record agent acknowledgement on pod %s/%s: %s",
          pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.getCode());
    }
  }

  void stop(@Observes ShutdownEvent e) {
    if (informer != null) {
      informer.close();
    }
  }
}
