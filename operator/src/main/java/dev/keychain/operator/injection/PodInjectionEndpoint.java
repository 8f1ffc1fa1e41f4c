package dev.keychain.operator.injection;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.instance.InstanceIndex;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.webhook.AdmissionReviews;
import dev.keychain.operator.webhook.JsonEndpoint;
import dev.keychain.operator.webhook.WebhookCertificates;
import dev.keychain.operator.webhook.WebhookRoutes;
import io.vertx.ext.web.Router;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The mutating webhook on Pod CREATE: injects the agent into pods a SecureInstance selects, leaves
 * every other pod untouched, and denies (fail closed) a pod it should inject but cannot safely.
 */
@Singleton
public class PodInjectionEndpoint implements WebhookRoutes {
  public static final String PATH = "/mutate/pods";
  private static final Logger LOG = Logger.getLogger(PodInjectionEndpoint.class);

  private final InstanceIndex instances;
  private final InjectionSettings settings;
  private final WebhookCertificates certificates;
  private final OperatorMetrics metrics;

  public PodInjectionEndpoint(
      InstanceIndex instances,
      InjectionSettings settings,
      WebhookCertificates certificates,
      OperatorMetrics metrics) {
    this.instances = instances;
    this.settings = settings;
    this.certificates = certificates;
    this.metrics = metrics;
  }

  @Override
  public void register(Router router) {
    JsonEndpoint.post(router, PATH, this::review);
  }

  JsonEndpoint.Reply review(String body) {
    return AdmissionReviews.serve(
        body,
        () -> metrics.injections.labelValues("invalid").inc(),
        metrics.injectionReview,
        this::decide);
  }

  private String decide(AdmissionReviews.Request request) {
    if (!request.kind().equals("Pod")
        || !request.operation().equals("CREATE")
        || !request.subResource().isEmpty()) {
      metrics.injections.labelValues("skipped").inc();
      return AdmissionReviews.response(request.uid(), true, "", List.of());
    }
    JsonNode pod = request.object();
    String namespace = request.namespace();
    List<SecureInstance> selecting;
    PodInjector.Outcome outcome;
    try {
      selecting = instances.selecting(namespace, labels(pod));
      outcome =
          PodInjector.inject(
              pod,
              selecting,
              new PodInjector.Agent(
                  settings.image,
                  settings.pullPolicy,
                  settings.operatorUrl,
                  certificates.caBundlePem(),
                  settings.audience,
                  settings.tokenExpirationSeconds,
                  settings.nativeSidecar()));
    } catch (RuntimeException e) {
      // Fail closed: a pod that may need a key is not admitted without knowing.
      outcome =
          new PodInjector.Outcome.Reject("cannot decide on agent injection: " + e.getMessage());
    }
    String pod0 = namespace + "/" + request.name();
    if (outcome instanceof PodInjector.Outcome.Inject inject) {
      metrics.injections.labelValues("injected").inc();
      LOG.debugf("pod %s injected for SecureInstance %s", pod0, inject.instance());
      return AdmissionReviews.patchResponse(request.uid(), inject.patch(), List.of());
    }
    if (outcome instanceof PodInjector.Outcome.Reject reject) {
      metrics.injections.labelValues("rejected").inc();
      LOG.infof("pod %s refused: %s", pod0, reject.message());
      return AdmissionReviews.response(
          request.uid(), false, "keychain agent injection: " + reject.message(), List.of());
    }
    metrics.injections.labelValues("skipped").inc();
    LOG.debugf("pod %s not injected: %s", pod0, ((PodInjector.Outcome.Skip) outcome).reason());
    return AdmissionReviews.response(request.uid(), true, "", List.of());
  }

  private static Map<String, String> labels(JsonNode pod) {
    Map<String, String> out = new HashMap<>();
    JsonNode labels = pod.path("metadata").path("labels");
    for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
      var e = it.next();
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }
}
