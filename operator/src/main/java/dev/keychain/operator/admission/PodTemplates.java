package dev.keychain.operator.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Finds the pod spec of a Pod or of the pod template of a workload, and every image in it
 * (containers, init containers, ephemeral containers). Workload templates are checked so that a
 * Deployment with an unsigned image is refused before any pod exists.
 */
final class PodTemplates {
  private static final Map<String, String> POD_SPEC_PATHS =
      Map.of(
          "Pod", "/spec",
          "Deployment", "/spec/template/spec",
          "ReplicaSet", "/spec/template/spec",
          "StatefulSet", "/spec/template/spec",
          "DaemonSet", "/spec/template/spec",
          "Job", "/spec/template/spec",
          "ReplicationController", "/spec/template/spec",
          "CronJob", "/spec/jobTemplate/spec/template/spec");
  private static final List<String> CONTAINER_LISTS =
      List.of("initContainers", "containers", "ephemeralContainers");

  private PodTemplates() {}

  static boolean supports(String kind) {
    return POD_SPEC_PATHS.containsKey(kind);
  }

  /** The images of {@code object} of {@code kind}; an error names the malformed field. */
  static List<String> images(String kind, JsonNode object) {
    List<String> images = new ArrayList<>();
    forEachImage(kind, object, (pointer, image) -> images.add(image));
    return images;
  }

  /**
   * The images a review must decide: all of a CREATE, those an UPDATE adds (running ones were
   * decided when they came).
   */
  static List<String> imagesToDecide(
      String kind, String operation, JsonNode object, JsonNode oldObject) {
    List<String> images = images(kind, object);
    if (operation.equals("UPDATE") && oldObject != null && oldObject.isObject()) {
      Set<String> before = new HashSet<>(images(kind, oldObject));
      images = images.stream().filter(i -> !before.contains(i)).toList();
    }
    return images;
  }

  /** A JSONPatch replacing each image of {@code object} that {@code pins} maps. */
  static ArrayNode pinPatch(String kind, JsonNode object, Map<String, String> pins) {
    ArrayNode patch = JsonNodeFactory.instance.arrayNode();
    forEachImage(
        kind,
        object,
        (pointer, image) -> {
          String pinned = pins.get(image);
          if (pinned != null) {
            patch.addObject().put("op", "test").put("path", pointer).put("value", image);
            patch.addObject().put("op", "replace").put("path", pointer).put("value", pinned);
          }
        });
    return patch;
  }

  /** Calls {@code visit} with the JSON pointer and value of every container image. */
  private static void forEachImage(String kind, JsonNode object, BiConsumer<String, String> visit) {
    String path = POD_SPEC_PATHS.get(kind);
    if (path == null) {
      throw new IllegalArgumentException(
          "kind " + kind + " has no pod template this webhook knows");
    }
    JsonNode spec = object.at(path);
    if (spec.isMissingNode() || spec.isNull()) {
      return;
    }
    if (!spec.isObject()) {
      throw new IllegalArgumentException(
          kind + " " + path.substring(1).replace('/', '.') + " is not an object");
    }
    for (String list : CONTAINER_LISTS) {
      JsonNode containers = spec.get(list);
      if (containers == null || containers.isNull()) {
        continue;
      }
      if (!containers.isArray()) {
        throw new IllegalArgumentException(kind + " " + list + " is not a list");
      }
      for (int i = 0; i < containers.size(); i++) {
        JsonNode image = containers.get(i).get("image");
        if (image == null || image.isNull()) {
          continue; // the API server's own validation rejects a container without an image
        }
        if (!image.isTextual()) {
          throw new IllegalArgumentException(
              kind + " " + list + "[" + i + "].image is not a string");
        }
        visit.accept(path + "/" + list + "/" + i + "/image", image.asText());
      }
    }
  }
}
