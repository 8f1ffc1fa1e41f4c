package dev.keychain.operator.admission;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.webhook.AdmissionReviews;
import dev.keychain.operator.webhook.JsonEndpoint;
import dev.keychain.operator.webhook.WebhookRoutes;
import io.vertx.ext.web.Router;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;

/**
 * The mutating webhook that pins images to the digest verified for them: each image of a Pod or pod
 * template that its whitelists admit as one digest becomes {@code name:tag@sha256:...}, so the node
 * pulls exactly what was verified even if the tag moves later. It never denies: the validating
 * webhook ({@link ImageAdmissionEndpoint}) decides, after it, and finds these verdicts cached.
 */
@Singleton
public class DigestPinningEndpoint implements WebhookRoutes {
  public static final String PATH = "/mutate/images";

  private final ImageAdmission admission;
  private final OperatorMetrics metrics;

  public DigestPinningEndpoint(ImageAdmission admission, OperatorMetrics metrics) {
    this.admission = admission;
    this.metrics = metrics;
  }

  @Override
  public void register(Router router) {
    JsonEndpoint.post(router, PATH, this::review);
  }

  JsonEndpoint.Reply review(String body) {
    return AdmissionReviews.serve(
        body,
        () -> metrics.admissionReviews.labelValues("unknown", "invalid").inc(),
        metrics.admissionReview,
        this::pin);
  }

  private String pin(AdmissionReviews.Request request) {
    String kind = request.kind();
    if (request.operation().equals("DELETE") || !PodTemplates.supports(kind)) {
      return AdmissionReviews.response(request.uid(), true, "", List.of());
    }
    ArrayNode patch;
    try {
      List<String> images =
          PodTemplates.imagesToDecide(
              kind, request.operation(), request.object(), request.oldObject());
      Map<String, String> pins =
          images.isEmpty() ? Map.of() : admission.pins(request.namespace(), images);
      patch = PodTemplates.pinPatch(kind, request.object(), pins);
    } catch (IllegalArgumentException e) {
      // Malformed: nothing to pin; the validating webhook denies it with this message.
      return AdmissionReviews.response(request.uid(), true, "", List.of());
    }
    metrics.admissionPins.labelValues(kind).inc(patch.size() / 2);
    return AdmissionReviews.patchResponse(request.uid(), patch, List.of());
  }
}
