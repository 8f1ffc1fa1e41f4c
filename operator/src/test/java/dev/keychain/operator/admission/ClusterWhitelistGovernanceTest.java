package dev.keychain.operator.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.operator.api.v1alpha1.ClusterSignerWhitelist;
import dev.keychain.operator.api.v1alpha1.ClusterSignerWhitelistSpec;
import dev.keychain.operator.api.v1alpha1.NamespaceSelectorSpec;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which namespaces a ClusterSignerWhitelist governs, beside the namespaces' own whitelists. */
class ClusterWhitelistGovernanceTest {
  private static final String IMAGE = "registry.local/edge/app";
  private final OperatorMetrics metrics = new OperatorMetrics();
  private final VerdictCache cache =
      new VerdictCache(Duration.ofMinutes(5), Duration.ofSeconds(30), 100);
  private final Whitelists whitelists = new Whitelists(cache, metrics, Duration.ofSeconds(3));
  private ImageAdmission admission;

  @AfterEach
  void stop() {
    if (admission != null) {
      admission.stop();
    }
  }

  /** The whitelist of WhitelistsTest, made cluster-wide with {@code selector}. */
  private static ClusterSignerWhitelist clusterWhitelist(
      String name, NamespaceSelectorSpec selector) {
    SignerWhitelist namespaced = WhitelistsTest.whitelist(1, "registry.local/edge/*");
    ClusterSignerWhitelist wl = new ClusterSignerWhitelist();
    wl.getMetadata().setName(name);
    wl.getMetadata().setUid("uid-" + name);
    wl.getMetadata().setGeneration(1L);
    ClusterSignerWhitelistSpec spec = new ClusterSignerWhitelistSpec();
    spec.setImages(namespaced.getSpec().getImages());
    spec.setSigners(namespaced.getSpec().getSigners());
    spec.setTrust(namespaced.getSpec().getTrust());
    spec.setNamespaceSelector(selector);
    wl.setSpec(spec);
    return wl;
  }

  private static NamespaceSelectorSpec team(String team) {
    NamespaceSelectorSpec selector = new NamespaceSelectorSpec();
    selector.setMatchLabels(Map.of("team", team));
    return selector;
  }

  private List<String> governing(String ns, Map<String, String> labels) {
    return whitelists.governing(ns, labels, IMAGE).stream().map(CompiledWhitelist::label).toList();
  }

  @Test
  void governsOnlyNamespacesWhoseLabelsItSelects() {
    whitelists.install(clusterWhitelist("edge-teams", team("edge")), Optional.empty());
    assertTrue(whitelists.needNamespaceLabels());
    assertEquals(
        List.of("ClusterSignerWhitelist edge-teams"), governing("a", Map.of("team", "edge")));
    assertEquals(List.of(), governing("b", Map.of("team", "other")));
    assertEquals(List.of(), governing("c", Map.of()));
    assertTrue(whitelists.anyIn("a", Map.of("team", "edge")));
    assertFalse(whitelists.anyIn("b", Map.of("team", "other")));
  }

  @Test
  void withoutOrWithAnEmptySelectorGovernsEveryNamespace() {
    whitelists.install(clusterWhitelist("everywhere", null), Optional.empty());
    whitelists.install(clusterWhitelist("empty", new NamespaceSelectorSpec()), Optional.empty());
    assertFalse(whitelists.needNamespaceLabels(), "no labels are needed to match them");
    assertEquals(2, governing("any", Map.of()).size());
  }

  @Test
  void namespaceAndClusterWhitelistsBothGovern() {
    whitelists.install(WhitelistsTest.whitelist(1, "registry.local/edge/*"), Optional.empty());
    whitelists.install(clusterWhitelist("edge-teams", team("edge")), Optional.empty());
    assertEquals(
        List.of("ClusterSignerWhitelist edge-teams", "SignerWhitelist ns/edge"),
        governing("ns", Map.of("team", "edge")).stream().sorted().toList());
    assertEquals(List.of("SignerWhitelist ns/edge"), governing("ns", Map.of()));

    whitelists.remove("", "edge-teams");
    assertEquals(List.of("SignerWhitelist ns/edge"), governing("ns", Map.of("team", "edge")));
    assertFalse(whitelists.needNamespaceLabels());
  }

  @Test
  void deniesWhenTheNamespaceLabelsAreNotKnownYet() {
    whitelists.install(clusterWhitelist("edge-teams", team("edge")), Optional.empty());
    admission =
        new ImageAdmission(
            whitelists,
            NamespaceLabels.of(Map.of()),
            new LastDenials(null, Duration.ofHours(1)),
            cache,
            metrics,
            Duration.ofSeconds(5),
            2,
            "warn",
            Optional.empty());
    ImageAdmission.Decision d = admission.decide("new-ns", "Pod/p", List.of(IMAGE + ":1"));
    assertFalse(d.allowed(), "fail closed even when ungoverned images are admitted");
    assertEquals(1, d.denials().size());
    assertTrue(
        d.denials().get(0).startsWith("namespace new-ns is not known to the operator yet"),
        d.denials().get(0));
    assertEquals(1.0, metrics.admissionImages.labelValues("denied", "namespace_unknown").get());
  }
}
