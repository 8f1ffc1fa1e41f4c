package dev.keychain.operator.admission;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keychain.operator.webhook.AdmissionReviews;
import dev.keychain.testing.fixtures.Mutations;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Fuzz campaign over AdmissionReviews as the image webhook reads them: mutations of reviews of a
 * Pod and a Deployment must be read or refused with an IllegalArgumentException naming the field
 * (which the endpoint turns into a denial), an image of a container list that was read is never
 * left out of the decision, and a pinning patch points at each image it rewrites.
 */
class AdmissionReviewFuzzTest {
  private static final String POD =
      """
      {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1",
       "kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"ns","name":"p",
       "operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
       "spec":{"initContainers":[{"name":"i","image":"127.0.0.1:5000/init:v1"}],
       "containers":[{"name":"a","image":"127.0.0.1:5000/edge/app:v1"},
                     {"name":"b","image":"nginx@sha256:%s"}],
       "ephemeralContainers":[{"name":"e","image":"busybox"}]}}}}
      """
          .formatted("0a".repeat(32));
  private static final String DEPLOYMENT =
      """
      {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-2",
       "kind":{"group":"apps","version":"v1","kind":"Deployment"},"namespace":"ns","name":"d",
       "operation":"UPDATE","object":{"spec":{"template":{"spec":{"containers":[
         {"name":"a","image":"[::1]:5000/edge/app:v2"}]}}}},
       "oldObject":{"spec":{"template":{"spec":{"containers":[
         {"name":"a","image":"[::1]:5000/edge/app:v1"}]}}}}}}
      """;

  @Property
  void reviewsAreReadOrRefusedAndNoImageIsLeftOut(@ForAll long seed) {
    String body = Mutations.mutate(seed % 2 == 0 ? POD : DEPLOYMENT, seed);
    try {
      AdmissionReviews.Request request = AdmissionReviews.parse(body);
      if (request.object() == null || !PodTemplates.supports(request.kind())) {
        return;
      }
      List<String> images = PodTemplates.images(request.kind(), request.object());
      for (JsonNode image : containerImages(request.kind(), request.object())) {
        assertTrue(images.contains(image.asText()), image + " left out of " + images);
      }
      // A pin patch replaces exactly the images it was asked to, where they are.
      java.util.Map<String, String> pins = new java.util.HashMap<>();
      images.forEach(i -> pins.put(i, i + "@sha256:" + "b".repeat(64)));
      JsonNode patch = PodTemplates.pinPatch(request.kind(), request.object(), pins);
      assertTrue(patch.size() == 2 * images.size(), "patch " + patch + " for " + images);
      for (JsonNode op : patch) {
        JsonNode target = request.object().at(op.get("path").asText());
        String value = op.get("value").asText();
        assertTrue(
            target.isTextual()
                && (op.get("op").asText().equals("test")
                    ? target.asText().equals(value)
                    : pins.get(target.asText()).equals(value)),
            op + " does not point at its image in " + body);
      }
    } catch (IllegalArgumentException e) {
      if (e.getMessage() == null || e.getMessage().isBlank()) {
        fail("refused without saying why: " + body);
      }
    } catch (Throwable t) {
      fail("threw " + t + " for " + body, t);
    }
  }

  /** Every textual image of the object's container lists, read independently of PodTemplates. */
  private static List<JsonNode> containerImages(String kind, JsonNode object) {
    JsonNode spec =
        kind.equals("Pod")
            ? object.path("spec")
            : object.path("spec").path("template").path("spec");
    return List.of("containers", "initContainers", "ephemeralContainers").stream()
        .map(spec::path)
        .filter(JsonNode::isArray)
        .flatMap(a -> java.util.stream.StreamSupport.stream(a.spliterator(), false))
        .map(c -> c.path("image"))
        .filter(JsonNode::isTextual)
        .toList();
  }
}
