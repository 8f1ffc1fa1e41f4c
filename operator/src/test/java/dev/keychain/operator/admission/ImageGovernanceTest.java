package dev.keychain.operator.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keychain.core.oci.ImageReference;
import dev.keychain.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * An image cannot escape a whitelist by spelling its registry differently, and a whitelist written
 * with any spelling of its registry governs the same images.
 */
class ImageGovernanceTest {
  /** Spellings of this machine's registry on port 5000. */
  private static final List<String> LOCAL =
      List.of(
          "localhost:5000",
          "LocalHost:5000",
          "localhost.:05000",
          "127.0.0.1:5000",
          "127.1:5000",
          "127.0.0.53:5000",
          "2130706433:5000",
          "0x7F.0.0.1:5000",
          "0177.0.0.01:5000",
          "[::1]:5000",
          "[0:0:0:0:0:0:0:1]:5000",
          "[::ffff:127.0.0.1]:5000",
          "[::FFFF:7F00:0001]:5000",
          "0.0.0.0:5000",
          "registry.localhost:5000");

  /** Spellings of a registry elsewhere, on the HTTPS port. */
  private static final List<String> REMOTE =
      List.of(
          "registry.example.com",
          "Registry.Example.COM",
          "registry.example.com.",
          "registry.example.com:443",
          "REGISTRY.EXAMPLE.COM.:0443");

  private static Whitelists whitelists(String pattern) {
    Whitelists w =
        new Whitelists(
            new VerdictCache(Duration.ofMinutes(5), Duration.ofSeconds(30), 100),
            new OperatorMetrics(),
            Duration.ofSeconds(3));
    w.install(WhitelistsTest.whitelist(1, pattern), Optional.empty());
    return w;
  }

  private static int governing(Whitelists w, String image) {
    return w.governing("ns", java.util.Map.of(), ImageReference.parse(image).canonicalName())
        .size();
  }

  @Property(tries = 200)
  void everySpellingOfTheLocalRegistryIsGovernedByEverySpellingOfItsWhitelist(
      @ForAll("local") String patternHost, @ForAll("local") String imageHost) {
    Whitelists w = whitelists(patternHost + "/edge/*");
    assertEquals(1, governing(w, imageHost + "/edge/app:v1"), patternHost + " / " + imageHost);
    assertEquals(0, governing(w, imageHost + "/other/app:v1"));
    assertEquals(0, governing(w, imageHost.replace("5000", "5001") + "/edge/app"));
  }

  @Property(tries = 50)
  void everySpellingOfARemoteRegistryIsGoverned(
      @ForAll("remote") String patternHost, @ForAll("remote") String imageHost) {
    Whitelists w = whitelists(patternHost + "/**");
    assertEquals(1, governing(w, imageHost + "/team/app@sha256:" + "0a".repeat(32)));
    assertEquals(0, governing(w, "registry.example.org/team/app"));
  }

  @Property(tries = 20)
  void dockerHubImagesAreGovernedHoweverTheyAreWritten(@ForAll("hub") String image) {
    Whitelists w = whitelists("index.docker.io/nginx");
    assertEquals(1, governing(w, image), image);
  }

  @Provide
  Arbitrary<String> local() {
    return Arbitraries.of(LOCAL);
  }

  @Provide
  Arbitrary<String> remote() {
    return Arbitraries.of(REMOTE);
  }

  @Provide
  Arbitrary<String> hub() {
    return Arbitraries.of(
        "nginx",
        "nginx:1.27",
        "library/nginx",
        "docker.io/nginx",
        "Docker.io/library/nginx",
        "index.docker.io/library/nginx:latest",
        "registry-1.docker.io:443/nginx");
  }
}
