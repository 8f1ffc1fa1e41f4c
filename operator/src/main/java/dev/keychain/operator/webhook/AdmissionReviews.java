package dev.keychain.operator.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Reads AdmissionReview requests (admission.k8s.io/v1) strictly and writes their responses. A
 * review that cannot be read is an error naming the field; the API server then applies the
 * webhook's failure policy (Fail: denied).
 */
public final class AdmissionReviews {
  public static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private AdmissionReviews() {}

  /** The parts of a request the webhooks use. */
  public record Request(
      String uid,
      String kind,
      String namespace,
      String name,
      String operation,
      String subResource,
      JsonNode object,
      JsonNode oldObject,
      boolean dryRun) {}

  public static Request parse(String body) {
    JsonNode review;
    try {
      review = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "AdmissionReview is not valid JSON: " + e.getOriginalMessage());
    }
    if (review == null || !review.isObject()) {
      throw new IllegalArgumentException("AdmissionReview must be a JSON object");
    }
    if (!"admission.k8s.io/v1".equals(review.path("apiVersion").asText())
        || !"AdmissionReview".equals(review.path("kind").asText())) {
      throw new IllegalArgumentException(
          "expected apiVersion admission.k8s.io/v1, kind AdmissionReview");
    }
    JsonNode req = review.get("request");
    if (req == null || !req.isObject()) {
      throw new IllegalArgumentException("AdmissionReview.request is missing");
    }
    String uid = text(req, "uid", true);
    JsonNode kind = req.get("kind");
    if (kind == null || !kind.isObject() || !kind.path("kind").isTextual()) {
      throw new IllegalArgumentException("AdmissionReview.request.kind.kind is missing");
    }
    String operation = text(req, "operation", true);
    JsonNode object = req.get("object");
    if (!operation.equals("DELETE") && (object == null || !object.isObject())) {
      throw new IllegalArgumentException(
          "AdmissionReview.request.object is missing for " + operation);
    }
    String name = text(req, "name", false);
    if (name.isEmpty() && object != null) {
      // a validating webhook sees the name the API server generated; a mutating one, the prefix
      name = object.path("metadata").path("name").asText("");
      if (name.isEmpty()) {
        name = object.path("metadata").path("generateName").asText("");
      }
    }
    return new Request(
        uid,
        kind.get("kind").asText(),
        text(req, "namespace", false),
        name,
        operation,
        text(req, "subResource", false),
        object,
        req.get("oldObject"),
        req.path("dryRun").asBoolean(false));
  }

  private static String text(JsonNode req, String field, boolean required) {
    JsonNode n = req.get(field);
    if (n == null || n.isNull()) {
      if (required) {
        throw new IllegalArgumentException("AdmissionReview.request." + field + " is missing");
      }
      return "";
    }
    if (!n.isTextual()) {
      throw new IllegalArgumentException("AdmissionReview.request." + field + " must be a string");
    }
    return n.asText();
  }

  /** The response for {@code uid}: allowed, or denied with {@code message} (HTTP 403 Forbidden). */
  public static String response(
      String uid, boolean allowed, String message, List<String> warnings) {
    ObjectNode review =
        JSON.createObjectNode()
            .put("apiVersion", "admission.k8s.io/v1")
            .put("kind", "AdmissionReview");
    ObjectNode response = review.putObject("response").put("uid", uid).put("allowed", allowed);
    if (!allowed) {
      response
          .putObject("status")
          .put("code", 403)
          .put("reason", "Forbidden")
          .put("message", message);
    }
    if (!warnings.isEmpty()) {
      ArrayNode w = response.putArray("warnings");
      // The API server truncates long warnings; each stays one line.
      warnings.forEach(x -> w.add(x.length() > 1000 ? x.substring(0, 1000) : x));
    }
    return review.toString();
  }

  /** An allowed response carrying a JSONPatch for the object (mutating webhooks). */
  public static String patchResponse(String uid, ArrayNode patch, List<String> warnings) {
    ObjectNode review =
        JSON.createObjectNode()
            .put("apiVersion", "admission.k8s.io/v1")
            .put("kind", "AdmissionReview");
    ObjectNode response = review.putObject("response").put("uid", uid).put("allowed", true);
    if (!patch.isEmpty()) {
      response
          .put("patchType", "JSONPatch")
          .put(
              "patch",
              java.util.Base64.getEncoder()
                  .encodeToString(
                      patch.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    if (!warnings.isEmpty()) {
      ArrayNode w = response.putArray("warnings");
      warnings.forEach(w::add);
    }
    return review.toString();
  }

  /**
   * Serves one AdmissionReview: parses it (HTTP 400 naming the field when it cannot be read, after
   * {@code onInvalid}), decides, and observes the server-side time in {@code seconds}.
   */
  public static JsonEndpoint.Reply serve(
      String body,
      Runnable onInvalid,
      io.prometheus.metrics.core.metrics.Histogram seconds,
      java.util.function.Function<Request, String> decide) {
    long start = System.nanoTime();
    Request request;
    try {
      request = parse(body);
    } catch (IllegalArgumentException e) {
      onInvalid.run();
      return JsonEndpoint.Reply.text(400, e.getMessage());
    }
    try {
      return JsonEndpoint.Reply.json(decide.apply(request));
    } finally {
      seconds.observe((System.nanoTime() - start) / 1e9);
    }
  }
}
