package dev.keychain.operator.admission;

import dev.keychain.core.audit.AuditEvent;
import dev.keychain.core.audit.AuditEventType;
import dev.keychain.core.audit.AuditSink;
import dev.keychain.core.audit.AuditUnwritableException;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.webhook.AdmissionReviews;
import dev.keychain.operator.webhook.JsonEndpoint;
import dev.keychain.operator.webhook.WebhookRoutes;
import io.vertx.ext.web.Router;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The validating webhook for images: Pods (including ephemeral containers added later) and the pod
 * templates of workloads. Each governed decision is an audit record; denials name the image, the
 * digest, the key IDs found and why.
 */
@Singleton
public class ImageAdmissionEndpoint implements WebhookRoutes {
  public static final String PATH = "/admission/images";
  private static final Logger LOG = Logger.getLogger(ImageAdmissionEndpoint.class);

  private final ImageAdmission admission;
  private final AuditSink audit;
  private final OperatorMetrics metrics;

  public ImageAdmissionEndpoint(
      ImageAdmission admission, AuditSink audit, OperatorMetrics metrics) {
    this.admission = admission;
    this.audit = audit;
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
        this::decide);
  }

  private String decide(AdmissionReviews.Request request) {
    String kind = request.kind();
    if (request.operation().equals("DELETE") || !PodTemplates.supports(kind)) {
      metrics.admissionReviews.labelValues(kind, "not_governed").inc();
      return AdmissionReviews.response(request.uid(), true, "", List.of());
    }
    List<String> images;
    try {
      images =
          PodTemplates.imagesToDecide(
              kind, request.operation(), request.object(), request.oldObject());
    } catch (IllegalArgumentException e) {
      metrics.admissionReviews.labelValues(kind, "invalid").inc();
      return AdmissionReviews.response(request.uid(), false, e.getMessage(), List.of());
    }
    String object = kind + "/" + request.name();
    ImageAdmission.Decision d = admission.decide(request.namespace(), object, images);
    if (!d.governed()) {
      metrics.admissionReviews.labelValues(kind, "not_governed").inc();
      return AdmissionReviews.response(request.uid(), true, "", List.of());
    }
    try {
      record(request, d);
    } catch (AuditUnwritableException e) {
      if (d.allowed() && d.images().stream().noneMatch(ImageAdmission.ImageDecision::enforce)) {
        // only Audit-mode whitelists (or warnings) judged it: they never deny, audited or not
        LOG.warnf("admitted %s in %s unaudited: %s", object, request.namespace(), e.getMessage());
        return AdmissionReviews.response(request.uid(), true, "", d.warnings());
      }
      // fail closed: a decision that cannot be audited does not admit
      metrics.admissionReviews.labelValues(kind, "denied").inc();
      metrics.admissionImages.labelValues("denied", "audit_unwritable").inc();
      LOG.warnf("denied %s in %s: %s", object, request.namespace(), e.getMessage());
      return AdmissionReviews.response(
          request.uid(),
          false,
          (d.allowed() ? "" : String.join("; ", d.denials()) + "; ")
              + "denied: the decision cannot be audited: "
              + e.getMessage(),
          List.of());
    }
    metrics.admissionReviews.labelValues(kind, d.allowed() ? "allowed" : "denied").inc();
    String message = String.join("; ", d.denials());
    if (!d.allowed()) {
      LOG.infof("denied %s in %s: %s", object, request.namespace(), message);
    }
    return AdmissionReviews.response(request.uid(), d.allowed(), message, d.warnings());
  }

  private void record(AdmissionReviews.Request request, ImageAdmission.Decision d) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("operation", request.operation());
    // the pod's identity, for its admission receipt (the API server sets the UID before
    // validating admission); a dry run creates nothing to carry one
    String uid =
        request.object() == null ? "" : request.object().path("metadata").path("uid").asText("");
    if (!uid.isEmpty()) {
      attributes.put("uid", uid);
    }
    if (request.dryRun()) {
      attributes.put("dryRun", "true");
    }
    attributes.put(
        "images",
        d.images().stream()
            .map(
                i ->
                    i.image()
                        + "@"
                        + i.verdict().digest().orElse("?")
                        + " "
                        + i.verdict().reason()
                        + " by "
                        + i.whitelist())
            .collect(Collectors.joining(", ")));
    attributes.put(
        "signers",
        d.images().stream()
            .flatMap(i -> i.verdict().matchedSigners().stream())
            .distinct()
            .collect(Collectors.joining(", ")));
    String reason =
        !d.allowed()
            ? (d.images().isEmpty() ? "NotGoverned" : "NotSigned")
            : d.warnings().isEmpty()
                ? "Signed"
                : d.images().isEmpty() ? "AdmittedUngoverned" : "AuditModeViolation";
    String message =
        d.allowed()
            ? (d.warnings().isEmpty()
                ? "images signed by whitelisted keys"
                : String.join("; ", d.warnings()))
            : String.join("; ", d.denials());
    audit.record(
        new AuditEvent(
            d.allowed() ? AuditEventType.ADMISSION_ALLOWED : AuditEventType.ADMISSION_DENIED,
            Instant.now(),
            request.namespace(),
            request.kind(),
            request.name(),
            reason,
            message,
            attributes));
  }
}
