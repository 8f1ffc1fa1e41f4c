package dev.keychain.operator.admission;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
    String path = POD_SPEC_PATHS.get(kind);
    if (path == null) {
      throw new IllegalArgumentException(
          "kind " + kind + " has no pod template this webhook knows");
    }
    JsonNode spec = object.at(path);
    if (spec.isMissingNode() || spec.isNull()) {
      return List.of();
    }
    if (!spec.isObject()) {
      throw new IllegalArgumentException(
          kind + " " + path.substring(1).replace('/', '.') + " is not an object");
    }
    List<String> images = new ArrayList<>();
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
        images.add(image.asText());
      }
    }
    return images;
  }
}
