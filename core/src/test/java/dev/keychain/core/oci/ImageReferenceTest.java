package dev.keychain.core.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {
  @Test
  void appliesDockerDefaults() {
    assertEquals(
        new ImageReference("docker.io", "library/nginx", "latest", Optional.empty()),
        ImageReference.parse("nginx"));
    assertEquals(
        new ImageReference("docker.io", "team/app", "1.2", Optional.empty()),
        ImageReference.parse("team/app:1.2"));
  }

  @Test
  void readsRegistriesWithPortsAndDigests() {
    String digest = "sha256:" + "0a".repeat(32);
    ImageReference r = ImageReference.parse("127.0.0.1:5000/team/app:v1@" + digest);
    assertEquals("127.0.0.1:5000", r.registry());
    assertEquals("team/app", r.repository());
    assertEquals("v1", r.tag());
    assertEquals(digest, r.manifestReference());
    assertEquals("127.0.0.1:5000/team/app", r.name());
    assertEquals("localhost/app", ImageReference.parse("localhost/app").name());
  }

  @Test
  void rejectsMalformedReferencesNamingThePart() {
    String[][] cases = {
      {"", "empty"},
      {"app@sha256:xyz", "digest must be"},
      {"Team/App", "invalid repository component 'App'"},
      {"team/App", "invalid repository component 'App'"},
      {"reg.io/" + "a".repeat(250), "longer than 255"},
      {"app:bad tag", "invalid tag"},
      {"reg.io//app", "invalid repository component ''"},
    };
    for (String[] c : cases) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(c[0]));
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
  }
}
