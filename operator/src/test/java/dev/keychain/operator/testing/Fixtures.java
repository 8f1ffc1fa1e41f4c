package dev.keychain.operator.testing;

import dev.keychain.core.audit.AuditLogReader;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import dev.keychain.operator.api.v1alpha1.AuditLogSpec;
import dev.keychain.operator.api.v1alpha1.ClusterGroupSpec;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.KeyChainSpec;
import dev.keychain.operator.api.v1alpha1.SecretKeyRef;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.api.v1alpha1.SecureInstanceSpec;
import dev.keychain.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/** Builders for the resources integration tests create. */
public final class Fixtures {
  private Fixtures() {}

  /** Creates a tenant share Secret (32 random bytes under "share"). */
  public static void createTenantShare(KubernetesClient client, String ns, String name) {
    byte[] share = new byte[32];
    new SecureRandom().nextBytes(share);
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .addToData("share", Base64.getEncoder().encodeToString(share))
                .build())
        .create();
    Arrays.fill(share, (byte) 0);
  }

  public static KeyChain keyChain(String ns, String name, String shareSecret, String... groups) {
    KeyChain chain = new KeyChain();
    chain.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    KeyChainSpec spec = new KeyChainSpec();
    spec.setTenantShareSecretRef(new SecretKeyRef(shareSecret, "share"));
    spec.setGroups(Arrays.stream(groups).map(ClusterGroupSpec::new).toList());
    chain.setSpec(spec);
    return chain;
  }

  public static SecureInstance secureInstance(
      String ns, String name, String chain, String group, String appLabel) {
    SecureInstance si = new SecureInstance();
    si.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    SecureInstanceSpec spec = new SecureInstanceSpec();
    spec.setKeyChain(chain);
    spec.setClusterGroup(group);
    spec.setSelector(new LabelSelectorBuilder().addToMatchLabels("app", appLabel).build());
    si.setSpec(spec);
    return si;
  }

  public static Condition ready(List<Condition> conditions) {
    return conditions == null
        ? null
        : conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
  }

  public static boolean isReady(List<Condition> conditions) {
    Condition c = ready(conditions);
    return c != null && "True".equals(c.getStatus());
  }

  /** Sets an instance's desired state. */
  public static void setState(
      KubernetesClient client,
      String ns,
      String name,
      dev.keychain.core.lifecycle.InstanceState state) {
    client
        .resources(SecureInstance.class)
        .inNamespace(ns)
        .withName(name)
        .edit(
            si -> {
              si.getSpec().setState(state);
              return si;
            });
  }

  /** Creates an AuditLog with default settings and waits until it is Ready. */
  /**
   * A tenant in {@code ns}: tenant share, KeyChain "tenant" (group edge) and SecureInstance {@code
   * instance} selecting app={@code instance}; returns once the instance is Ready.
   */
  public static void createReadyTenant(KubernetesClient client, String ns, String instance) {
    createTenantShare(client, ns, "tenant-share");
    client.resource(keyChain(ns, "tenant", "tenant-share", "edge")).create();
    client.resource(secureInstance(ns, instance, "tenant", "edge", instance)).create();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> {
              SecureInstance si =
                  client.resources(SecureInstance.class).inNamespace(ns).withName(instance).get();
              return si != null
                  && si.getStatus() != null
                  && isReady(si.getStatus().getConditions());
            });
  }

  public static void createAuditLog(KubernetesClient client, String ns, String name) {
    createAuditLog(client, ns, name, new AuditLogSpec());
  }

  /**
   * Creates an AuditLog of {@code spec} and waits until it is Ready; returns its directory (the
   * operator under test writes under target/audit).
   */
  public static Path createAuditLog(
      KubernetesClient client, String ns, String name, AuditLogSpec spec) {
    AuditLog log = new AuditLog();
    log.getMetadata().setName(name);
    log.getMetadata().setNamespace(ns);
    log.setSpec(spec);
    client.resource(log).create();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              AuditLog l = client.resources(AuditLog.class).inNamespace(ns).withName(name).get();
              return l.getStatus() != null
                  && Conditions.isTrue(l.getStatus().getConditions(), Conditions.READY);
            });
    return Path.of("target", "audit", ns, name).toAbsolutePath();
  }

  /** Every record of a test AuditLog (the operator under test writes them under target/audit). */
  public static List<String> auditRecords(String ns, String name) throws IOException {
    Path dir = Path.of("target", "audit", ns, name);
    return AuditLogReader.readRecords(dir, 0, AuditLogReader.recordCount(dir)).stream()
        .map(b -> new String(b, StandardCharsets.UTF_8))
        .toList();
  }

  /** A pod of one container running {@code registry.example/app:1}, labelled {@code app}. */
  public static io.fabric8.kubernetes.api.model.Pod appPod(
      String ns, String name, String app, java.util.Map<String, String> annotations) {
    return new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels("app", app)
        .addToAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage("registry.example/app:1")
        .endContainer()
        .endSpec()
        .build();
  }
}
