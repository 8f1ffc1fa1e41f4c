package dev.keychain.operator.admission;

import static org.awaitility.Awaitility.await;

import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.status.Conditions;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/** Creating SignerWhitelists in admission tests and waiting for the reconciler's verdict. */
final class TestWhitelists {
  private TestWhitelists() {}

  /** Creates {@code wl} and waits until its Ready condition is True. */
  static SignerWhitelist createReady(KubernetesClient client, SignerWhitelist wl) {
    return create(client, wl, "True");
  }

  /** Creates {@code wl} and waits until its Ready condition has {@code status}; returns it. */
  static SignerWhitelist create(KubernetesClient client, SignerWhitelist wl, String status) {
    client.resource(wl).create();
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client
                    .resources(SignerWhitelist.class)
                    .inNamespace(wl.getMetadata().getNamespace())
                    .withName(wl.getMetadata().getName())
                    .get(),
            got ->
                got.getStatus() != null
                    && got.getStatus().getConditions().stream()
                        .anyMatch(
                            c ->
                                c.getType().equals(Conditions.READY)
                                    && c.getStatus().equals(status)));
  }
}
