package dev.keychain.operator.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keychain.core.audit.AdmissionReceipt;
import dev.keychain.core.audit.AuditEvent;
import dev.keychain.core.audit.AuditEventType;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Gives each admitted pod its admission receipt: once the leader has made the admission's record
 * durable, the pod gets annotation {@value AdmissionReceipt#ANNOTATION} naming the log, the
 * record's index and its decision ID. The pod is stored only after admission, so the annotation
 * follows within seconds (retried while the pod does not exist yet; given up after about 30 s, for
 * a pod a later webhook refused). A pod of the same name but another UID never gets it.
 */
@Singleton
public class AdmissionReceipts {
  private static final Logger LOG = Logger.getLogger(AdmissionReceipts.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long[] RETRY_MILLIS = {100, 300, 600, 1000, 2000, 4000, 8000, 15000};

  private final KubernetesClient client;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "admission-receipts");
            t.setDaemon(true);
            return t;
          });

  public AdmissionReceipts(KubernetesClient client) {
    this.client = client;
  }

  @PreDestroy
  void stop() {
    timer.shutdownNow();
  }

  /** Whether {@code event} is a pod's admission that gets a receipt. */
  static boolean wanted(AuditEvent event) {
    return event.type() == AuditEventType.ADMISSION_ALLOWED
        && "Pod".equals(event.kind())
        && "CREATE".equals(event.attributes().get("operation"))
        && event.attributes().containsKey("uid")
        && !event.attributes().containsKey("dryRun");
  }

  /** Attaches {@code receipts} (one per log that recorded the admission) to the pod. */
  void attach(AuditEvent event, List<AdmissionReceipt> receipts) {
    timer.schedule(() -> tryAttach(event, receipts, 0), RETRY_MILLIS[0], TimeUnit.MILLISECONDS);
  }

  private void tryAttach(AuditEvent event, List<AdmissionReceipt> receipts, int attempt) {
    String uid = event.attributes().get("uid");
    try {
      Pod pod = client.pods().inNamespace(event.namespace()).withName(event.name()).get();
      if (pod != null && uid.equals(pod.getMetadata().getUid())) {
        patch(pod, receipts);
        return;
      }
      if (pod != null) {
        return; // another pod of that name: the admitted one is gone
      }
    } catch (KubernetesClientException e) {
      LOG.debugf(
          "receipt for pod %s/%s not attached yet: API server answered %d",
          event.namespace(), event.name(), e.getCode());
    }
    if (attempt + 1 < RETRY_MILLIS.length) {
      timer.schedule(
          () -> tryAttach(event, receipts, attempt + 1),
          RETRY_MILLIS[attempt + 1],
          TimeUnit.MILLISECONDS);
    } else {
      LOG.debugf(
          "pod %s/%s (uid %s) never appeared: no admission receipt",
          event.namespace(), event.name(), uid);
    }
  }

  /** Adds the receipts to those the pod carries (one per log), bound to its UID. */
  private void patch(Pod pod, List<AdmissionReceipt> receipts) {
    Map<String, AdmissionReceipt> byLog = new LinkedHashMap<>();
    String current =
        pod.getMetadata().getAnnotations() == null
            ? null
            : pod.getMetadata().getAnnotations().get(AdmissionReceipt.ANNOTATION);
    if (current != null) {
      try {
        AdmissionReceipt.parse(current).forEach(r -> byLog.put(r.log(), r));
      } catch (IllegalArgumentException e) {
        LOG.warnf(
            "pod %s/%s: replacing an admission receipt that does not parse (%s)",
            pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.getMessage());
      }
    }
    receipts.forEach(r -> byLog.put(r.log(), r));
    var patch = JSON.createObjectNode();
    var metadata = patch.putObject("metadata");
    // the UID makes the patch fail on any other pod of that name
    metadata.put("uid", pod.getMetadata().getUid());
    metadata
        .putObject("annotations")
        .put(
            AdmissionReceipt.ANNOTATION,
            AdmissionReceipt.annotation(new ArrayList<>(byLog.values())));
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    } catch (KubernetesClientException e) {
      LOG.warnf(
          "cannot attach the admission receipt to pod %s/%s: API server answered %d",
          pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.getCode());
    }
  }
}
