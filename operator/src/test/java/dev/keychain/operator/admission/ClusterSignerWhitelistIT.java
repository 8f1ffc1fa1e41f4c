package dev.keychain.operator.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.operator.api.v1alpha1.ClusterSignerWhitelist;
import dev.keychain.operator.api.v1alpha1.ClusterSignerWhitelistSpec;
import dev.keychain.operator.api.v1alpha1.NamespaceSelectorSpec;
import dev.keychain.operator.api.v1alpha1.SelectorRequirementSpec;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import dev.keychain.operator.status.Conditions;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import dev.keychain.operator.testing.Webhooks;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cluster-wide image policy on the real API server: a ClusterSignerWhitelist governs the namespaces
 * its selector picks (and follows their labels), must agree with the namespace's own whitelists,
 * reports its status and latest denial, and reads its credentials from the operator's namespace.
 * Images are signed by the real cosign CLI in a real registry.
 */
@QuarkusTest
@QuarkusTestResource(LocalControlPlaneResource.class)
class ClusterSignerWhitelistIT {
  static Path dir;
  static OciRegistry registry;
  static CosignSigner carol;
  static CosignSigner dave;
  static TestImages.Pushed signed;
  static TestImages.Pushed unsigned;

  @Inject KubernetesClient client;

  @BeforeAll
  static void publish() throws Exception {
    dir = Files.createTempDirectory("cluster-whitelist");
    registry = OciRegistry.start(dir.resolve("registry"));
    carol = CosignSigner.create(dir, "carol");
    // Dave signs nothing: a whitelist of dave only admits none of these images.
    dave = CosignSigner.create(dir, "dave");
    signed = registry.pushTestImage("team/app", "v1", "signed by carol");
    carol.sign(signed);
    unsigned = registry.pushTestImage("team/app", "unsigned", "unsigned");
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @AfterEach
  void deleteClusterWhitelists() {
    client.resources(ClusterSignerWhitelist.class).delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> client.resources(ClusterSignerWhitelist.class).list().getItems().isEmpty());
  }

  private String namespace(String team) {
    Webhooks.registerImageAdmission(client);
    String ns = LocalControlPlaneResource.newNamespace("cluster-wl");
    Webhooks.enableImageAdmission(client, ns);
    label(ns, team);
    return ns;
  }

  private void label(String ns, String team) {
    client
        .namespaces()
        .withName(ns)
        .edit(
            n -> {
              n.getMetadata().getLabels().put("team", team);
              return n;
            });
  }

  /** A cluster whitelist of carol over this test's registry, for namespaces of {@code team}. */
  private static ClusterSignerWhitelist clusterWhitelist(String name, String team) {
    ClusterSignerWhitelist wl = new ClusterSignerWhitelist();
    wl.getMetadata().setName(name);
    ClusterSignerWhitelistSpec spec =
        carol.whitelist(new ClusterSignerWhitelistSpec(), registry.hostPort() + "/team/*");
    if (team != null) {
      NamespaceSelectorSpec selector = new NamespaceSelectorSpec();
      selector.setMatchLabels(java.util.Map.of("team", team));
      spec.setNamespaceSelector(selector);
    }
    wl.setSpec(spec);
    return wl;
  }

  private ClusterSignerWhitelist get(String name) {
    return client.resources(ClusterSignerWhitelist.class).withName(name).get();
  }

  private void installReady(ClusterSignerWhitelist wl) {
    client.resource(wl).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              ClusterSignerWhitelist got = get(wl.getMetadata().getName());
              return got.getStatus() != null
                  && Conditions.isTrue(got.getStatus().getConditions(), Conditions.READY);
            });
  }

  private static Pod pod(String ns, String image) {
    return TestPods.pod(ns, image);
  }

  private String denial(String ns, String image) {
    return TestPods.denial(client, ns, image);
  }

  @Test
  void governsTheNamespacesItSelectsAndFollowsTheirLabels() {
    String edge = namespace("edge");
    String other = namespace("other");
    installReady(clusterWhitelist("edge-images", "edge"));

    assertNotNull(client.resource(pod(edge, signed.tagReference())).create());
    String message = denial(edge, unsigned.tagReference());
    assertTrue(message.contains("no signature by a whitelisted key"), message);
    assertTrue(message.contains("(ClusterSignerWhitelist edge-images)"), message);

    // Not selected: nothing governs the image there, so it is denied as ungoverned.
    message = denial(other, signed.tagReference());
    assertTrue(
        message.contains(
            "no SignerWhitelist in namespace " + other + " or ClusterSignerWhitelist governs it"),
        message);

    // Relabelled into the team: the cluster whitelist governs it from then on.
    label(other, "edge");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertTrue(
                    denial(other, unsigned.tagReference())
                        .contains("(ClusterSignerWhitelist edge-images)")));
    assertNotNull(client.resource(pod(other, signed.tagReference())).create());

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ClusterSignerWhitelist wl = get("edge-images");
              assertEquals(1, wl.getStatus().getUsableSigners());
              assertNotNull(wl.getStatus().getLastDenial(), "latest denial not written yet");
              assertTrue(
                  wl.getStatus().getLastDenial().getMessage().contains(unsigned.tagReference()));
              assertTrue(
                  List.of(edge, other).contains(wl.getStatus().getLastDenial().getNamespace()));
            });
  }

  @Test
  void imageMustSatisfyTheClusterAndTheNamespaceWhitelists() {
    String ns = namespace("both");
    installReady(clusterWhitelist("all-namespaces", null));
    assertNotNull(client.resource(pod(ns, signed.tagReference())).create());

    // The namespace's own whitelist trusts dave only: carol's signature no longer suffices.
    SignerWhitelist local = new SignerWhitelist();
    local.getMetadata().setName("dave-only");
    local.getMetadata().setNamespace(ns);
    local.setSpec(dave.whitelist(new SignerWhitelistSpec(), registry.hostPort() + "/team/*"));
    client.resource(local).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              String message = denial(ns, signed.tagReference());
              assertTrue(message.contains("(SignerWhitelist " + ns + "/dave-only)"), message);
              assertTrue(!message.contains("ClusterSignerWhitelist"), message);
            });

    // Deleting the cluster whitelist leaves the namespace's in force.
    client.resources(ClusterSignerWhitelist.class).withName("all-namespaces").delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertTrue(
                    denial(ns, unsigned.tagReference())
                        .contains("(SignerWhitelist " + ns + "/dave-only)")));
  }

  @Test
  void readsCredentialsFromTheOperatorNamespaceAndSaysWhenMissing() {
    ClusterSignerWhitelist wl = clusterWhitelist("needs-credentials", "nobody");
    wl.getSpec().getRegistry().setCredentialsSecret("registry-login");
    client.resource(wl).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ClusterSignerWhitelist got = get("needs-credentials");
              assertNotNull(got.getStatus(), "status not written yet");
              Condition ready =
                  got.getStatus().getConditions().stream()
                      .filter(c -> c.getType().equals(Conditions.READY))
                      .findFirst()
                      .orElseThrow();
              assertEquals("False", ready.getStatus());
              assertEquals("CredentialsMissing", ready.getReason());
              assertTrue(
                  ready
                      .getMessage()
                      .contains("registry credentials Secret keychain-system/registry-login"),
                  ready.getMessage());
              assertEquals(
                  got.getMetadata().getGeneration(), got.getStatus().getObservedGeneration());
            });
    // Its warning is an event where those of cluster-scoped objects go.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client.v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(
                        e ->
                            "needs-credentials".equals(e.getInvolvedObject().getName())
                                && "CredentialsMissing".equals(e.getReason())));
  }

  @Test
  void rejectsAMalformedNamespaceSelector() {
    ClusterSignerWhitelist wl = clusterWhitelist("bad-selector", null);
    SelectorRequirementSpec equals = new SelectorRequirementSpec();
    equals.setKey("team");
    equals.setOperator("Equals");
    equals.setValues(List.of("edge"));
    SelectorRequirementSpec existsWithValues = new SelectorRequirementSpec();
    existsWithValues.setKey("team");
    existsWithValues.setOperator("Exists");
    existsWithValues.setValues(List.of("edge"));
    NamespaceSelectorSpec selector = new NamespaceSelectorSpec();
    selector.setMatchExpressions(List.of(equals, existsWithValues));
    wl.getSpec().setNamespaceSelector(selector);
    KubernetesClientException e =
        assertThrows(KubernetesClientException.class, () -> client.resource(wl).create());
    assertEquals(422, e.getCode());
    assertTrue(
        e.getMessage().contains("operator must be In, NotIn, Exists or DoesNotExist"),
        e.getMessage());
    assertTrue(e.getMessage().contains("Exists and DoesNotExist take none"), e.getMessage());

    ClusterSignerWhitelist noSigners = clusterWhitelist("no-signers", null);
    noSigners.getSpec().setSigners(List.of());
    e = assertThrows(KubernetesClientException.class, () -> client.resource(noSigners).create());
    assertEquals(422, e.getCode());
    assertTrue(e.getMessage().contains("spec.signers"), e.getMessage());
  }
}
