package dev.keychain.operator.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Images that no whitelist governs: denied by default, naming the image and saying that no policy
 * governs it; admitted with a warning when the cluster says warn; the operator's own agent image is
 * never held up. (Governed images are decided against the real registry in ImageAdmissionIT.)
 */
class UngovernedImagesTest {
  private final OperatorMetrics metrics = new OperatorMetrics();
  private final VerdictCache cache =
      new VerdictCache(Duration.ofMinutes(5), Duration.ofSeconds(30), 100);
  private final Whitelists whitelists = new Whitelists(cache, metrics, Duration.ofSeconds(3));
  private final LastDenials lastDenials = new LastDenials(null, Duration.ofHours(1));
  private ImageAdmission admission;

  private ImageAdmission admission(String setting) {
    admission =
        new ImageAdmission(
            whitelists,
            NamespaceLabels.of(Map.of()),
            lastDenials,
            cache,
            metrics,
            Duration.ofSeconds(5),
            2,
            setting,
            Optional.of("registry.example/keychain-agent:0.1.0"));
    return admission;
  }

  @AfterEach
  void stop() {
    if (admission != null) {
      admission.stop();
    }
  }

  @Test
  void deniesAnImageNoWhitelistGovernsNamingItAndSayingWhy() {
    ImageAdmission.Decision d =
        admission("deny").decide("ns", "Pod/p", List.of("registry.example/team/app:1"));
    assertFalse(d.allowed());
    assertTrue(d.governed(), "a denial is a decision to audit");
    assertEquals(
        List.of(
            "image registry.example/team/app:1: no SignerWhitelist in namespace ns or"
                + " ClusterSignerWhitelist governs it;"
                + " images no policy governs are denied (ungoverned-images: deny)"),
        d.denials());
    assertEquals(1.0, metrics.admissionImages.labelValues("denied", "ungoverned").get());
  }

  @Test
  void deniesAReferenceThatCannotBeParsedWhenUngovernedImagesAreDenied() {
    ImageAdmission.Decision d = admission("deny").decide("ns", "Pod/p", List.of("Bad Image!"));
    assertFalse(d.allowed());
    assertTrue(d.denials().get(0).contains("no policy can govern it"), d.denials().toString());
  }

  @Test
  void admitsWithAWarningWhenTheClusterSaysWarn() {
    ImageAdmission.Decision d =
        admission("warn").decide("ns", "Pod/p", List.of("registry.example/team/app:1"));
    assertTrue(d.allowed());
    assertTrue(d.governed(), "the warning reaches the user and the audit log");
    assertEquals(1, d.warnings().size());
    assertTrue(d.warnings().get(0).contains("admitted unverified"), d.warnings().toString());
  }

  @Test
  void theOperatorsOwnAgentImageIsAdmittedHoweverItsRegistryIsSpelled() {
    ImageAdmission.Decision d =
        admission("deny")
            .decide(
                "ns",
                "Pod/p",
                List.of(
                    "registry.example/keychain-agent:0.1.0",
                    "Registry.Example.:443/keychain-agent:0.1.0"));
    assertTrue(d.allowed(), d.denials().toString());
    assertFalse(d.governed());
    ImageAdmission.Decision other =
        admission.decide("ns", "Pod/p", List.of("registry.example/keychain-agent:0.0.9"));
    assertFalse(other.allowed(), "another tag of the agent is not the configured agent");
  }

  @Test
  void refusesAnUnknownSettingNamingIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> admission("allow"));
    assertTrue(e.getMessage().contains("keychain.admission.ungoverned-images"), e.getMessage());
  }
}
