package dev.keychain.operator.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where images live in pods and templates, and the patch that pins them. */
class PodTemplatesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PINNED = "r/app:v1@sha256:" + "a".repeat(64);

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  @Test
  void patchesEveryContainerListOfACronJobTemplateWithATestBeforeEachReplace() throws Exception {
    JsonNode job =
        json(
            "{'spec':{'jobTemplate':{'spec':{'template':{'spec':{"
                + "'initContainers':[{'name':'i','image':'r/app:v1'}],"
                + "'containers':[{'name':'a','image':'r/other:v2'},{'name':'b','image':'r/app:v1'}]"
                + "}}}}}}");
    JsonNode patch = PodTemplates.pinPatch("CronJob", job, Map.of("r/app:v1", PINNED));
    String base = "/spec/jobTemplate/spec/template/spec/";
    assertEquals(
        json(
            "[{'op':'test','path':'"
                + base
                + "initContainers/0/image','value':'r/app:v1'},"
                + "{'op':'replace','path':'"
                + base
                + "initContainers/0/image','value':'"
                + PINNED
                + "'},"
                + "{'op':'test','path':'"
                + base
                + "containers/1/image','value':'r/app:v1'},"
                + "{'op':'replace','path':'"
                + base
                + "containers/1/image','value':'"
                + PINNED
                + "'}]"),
        patch);
  }

  @Test
  void decidesOnlyTheImagesAnUpdateAdds() throws Exception {
    JsonNode old = json("{'spec':{'containers':[{'name':'a','image':'r/app:v1'}]}}");
    JsonNode now =
        json(
            "{'spec':{'containers':[{'name':'a','image':'r/app:v1'}],"
                + "'ephemeralContainers':[{'name':'debug','image':'r/debug:1'}]}}");
    assertEquals(List.of("r/debug:1"), PodTemplates.imagesToDecide("Pod", "UPDATE", now, old));
    assertEquals(
        List.of("r/app:v1", "r/debug:1"), PodTemplates.imagesToDecide("Pod", "CREATE", now, null));
  }

  @Test
  void namesTheMalformedField() throws Exception {
    JsonNode bad = json("{'spec':{'template':{'spec':{'containers':[{'image':7}]}}}}");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PodTemplates.pinPatch("Deployment", bad, Map.of()));
    assertEquals("Deployment containers[0].image is not a string", e.getMessage());
  }
}
