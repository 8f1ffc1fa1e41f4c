package dev.keychain.operator.admission;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keychain.operator.api.v1alpha1.ClusterSignerWhitelist;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.LastDenialStatus;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Writes a whitelist's latest denial into its status from the replica that denied, so that the
 * status is true for the cluster whichever replica served the review (counts are per replica and
 * live in metrics). Denials are coalesced per whitelist and written off the admission path by
 * server-side apply under their own field manager, which owns only {@code status.lastDenial}: the
 * reconciler's own status writes leave it alone.
 */
@Singleton
public class LastDenials {
  static final String FIELD_MANAGER = "keychain-admission";
  private static final Logger LOG = Logger.getLogger(LastDenials.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A SignerWhitelist, or a ClusterSignerWhitelist when the namespace is "". */
  private record Target(String namespace, String name) {
    boolean cluster() {
      return namespace.isEmpty();
    }

    @Override
    public String toString() {
      return CompiledWhitelist.label(namespace, name);
    }
  }

  private final KubernetesClient client;
  private final Map<Target, LastDenialStatus> pending = new ConcurrentHashMap<>();
  private final ScheduledExecutorService writer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "keychain-last-denials");
            t.setDaemon(true);
            return t;
          });

  public LastDenials(
      KubernetesClient client,
      @ConfigProperty(name = "keychain.admission.last-denial-interval", defaultValue = "2s")
          Duration interval) {
    this.client = client;
    writer.scheduleWithFixedDelay(
        this::flush, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Records {@code denial} as the latest of whitelist {@code namespace/name} (namespace "": a
   * ClusterSignerWhitelist); written shortly.
   */
  void record(String namespace, String name, LastDenialStatus denial) {
    pending.put(new Target(namespace, name), denial);
  }

  void flush() {
    for (Iterator<Map.Entry<Target, LastDenialStatus>> it = pending.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Target, LastDenialStatus> e = it.next();
      Target t = e.getKey();
      LastDenialStatus denial = e.getValue();
      // Remove only this denial: one recorded meanwhile is written by the next flush.
      pending.remove(t, denial);
      try {
        write(t, denial);
      } catch (KubernetesClientException ex) {
        if (ex.getCode() != 404) { // a whitelist deleted meanwhile has no status to keep
          LOG.warnf(
              "%s: cannot record the latest denial: HTTP %d %s",
              t, ex.getCode(), ex.getStatus() == null ? "" : ex.getStatus().getMessage());
          pending.putIfAbsent(t, denial);
        }
      } catch (RuntimeException ex) {
        LOG.warnf("%s: cannot record the latest denial: %s", t, ex.getMessage());
        pending.putIfAbsent(t, denial);
      }
    }
  }

  private void write(Target t, LastDenialStatus denial) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", t.name());
    if (!t.cluster()) {
      metadata.put("namespace", t.namespace());
    }
    Map<String, Object> patch = new LinkedHashMap<>();
    patch.put("apiVersion", KeyChain.GROUP + "/" + KeyChain.VERSION);
    patch.put("kind", t.cluster() ? "ClusterSignerWhitelist" : "SignerWhitelist");
    patch.put("metadata", metadata);
    patch.put("status", Map.of("lastDenial", denial));
    String body;
    try {
      body = JSON.writeValueAsString(patch);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    PatchContext apply =
        new PatchContext.Builder()
            .withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager(FIELD_MANAGER)
            .withForce(true)
            .build();
    if (t.cluster()) {
      client
          .resources(ClusterSignerWhitelist.class)
          .withName(t.name())
          .subresource("status")
          .patch(apply, body);
    } else {
      client
          .resources(SignerWhitelist.class)
          .inNamespace(t.namespace())
          .withName(t.name())
          .subresource("status")
          .patch(apply, body);
    }
  }

  @PreDestroy
  void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush(); // what was denied just before shutdown still reaches the status
  }
}
