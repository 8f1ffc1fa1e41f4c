package dev.keychain.operator.audit;

import static dev.keychain.operator.testing.Fixtures.createTenantShare;
import static dev.keychain.operator.testing.Fixtures.keyChain;
import static dev.keychain.operator.testing.Fixtures.secureInstance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.audit.AuditLogVerifier;
import dev.keychain.core.audit.Checkpoint;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import dev.keychain.operator.api.v1alpha1.AuditLogSpec;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalControlPlaneResource.class, restrictToAnnotatedClass = false)
class AuditLogReconcilerIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Inject KubernetesClient client;
  @Inject AuditTrust keys;
  @Inject AuditLogs logs;

  private AuditLog get(String ns) {
    return client.resources(AuditLog.class).inNamespace(ns).withName("security").get();
  }

  private static Optional<Condition> condition(AuditLog log, String type) {
    return log == null || log.getStatus() == null
        ? Optional.empty()
        : log.getStatus().getConditions().stream()
            .filter(c -> type.equals(c.getType()))
            .findFirst();
  }

  @Test
  void keyEventsAreLoggedCheckpointedAndVerifiedAndTamperingIsReported() throws Exception {
    String ns = LocalControlPlaneResource.newNamespace("audit");
    AuditLog log = new AuditLog();
    log.setMetadata(new ObjectMetaBuilder().withName("security").withNamespace(ns).build());
    AuditLogSpec spec = new AuditLogSpec();
    spec.setCheckpointEveryRecords(2);
    spec.setCheckpointInterval("1s");
    spec.setVerifyInterval("2s");
    log.setSpec(spec);
    client.resource(log).create();
    await()
        .atMost(TIMEOUT)
        .until(
            () -> condition(get(ns), "Ready").map(c -> "True".equals(c.getStatus())).orElse(false));

    createTenantShare(client, ns, "share");
    client.resource(keyChain(ns, "tenant", "share", "A")).create();
    client.resource(secureInstance(ns, "app", "tenant", "A", "app")).create();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                get(ns).getStatus().getLastCheckpointSize() != null
                    && get(ns).getStatus().getLastCheckpointSize() >= 2
                    && condition(get(ns), "Verified")
                        .map(c -> "True".equals(c.getStatus()))
                        .orElse(false));

    AuditLog recorded = get(ns);
    Checkpoint head = Checkpoint.parse(recorded.getStatus().getLastCheckpoint());
    Path dir = logs.directory(recorded);
    String content =
        Files.readString(dir.resolve("segment-000000.log"), StandardCharsets.ISO_8859_1);
    assertTrue(content.contains("\"reason\":\"ChainCreated\""), "chain creation recorded");
    assertTrue(content.contains("\"type\":\"KeyIssued\""));
    // An independent verification of the files with K_0 and the head from status.
    byte[] k0 = keys.initial(recorded);
    AuditLogVerifier.Report report = AuditLogVerifier.verify(dir, k0, Optional.of(head));
    assertTrue(report.ok(), report.problem().orElse(""));
    assertFalse(recorded.getStatus().toString().contains(java.util.HexFormat.of().formatHex(k0)));
    // Offline, with only the public key from status.
    AuditLogVerifier.Report offline =
        AuditLogVerifier.verifyOffline(
            dir,
            java.util.HexFormat.of().parseHex(recorded.getStatus().getCheckpointPublicKey()),
            Optional.of(head));
    assertTrue(offline.ok(), offline.problem().orElse(""));

    // Tamper with the first record on disk: the next verification says so.
    Path segment = dir.resolve("segment-000000.log");
    byte[] bytes = Files.readAllBytes(segment);
    int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("ChainCreated");
    bytes[at] = 'X';
    Files.write(segment, bytes);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                condition(get(ns), "Verified")
                    .map(c -> "False".equals(c.getStatus()))
                    .orElse(false));
    Condition verified = condition(get(ns), "Verified").orElseThrow();
    assertEquals("TamperDetected", verified.getReason());
    assertTrue(verified.getMessage().contains("segment-000000.log"), verified.getMessage());
    assertTrue(
        client.v1().events().inNamespace(ns).list().getItems().stream()
            .anyMatch(e -> "TamperDetected".equals(e.getReason())));
  }

  @Test
  void unknownEventTypesAreRejectedByTheSchema() {
    String ns = LocalControlPlaneResource.newNamespace("audit-invalid");
    AuditLog log = new AuditLog();
    log.setMetadata(new ObjectMetaBuilder().withName("bad").withNamespace(ns).build());
    AuditLogSpec spec = new AuditLogSpec();
    spec.setEvents(List.of("KeyIssued", "CoffeeBrewed"));
    log.setSpec(spec);
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.fabric8.kubernetes.client.KubernetesClientException.class,
            () -> client.resource(log).create());
    assertEquals(422, e.getCode());
    assertTrue(e.getMessage().contains("events must be among"), e.getMessage());
  }
}
