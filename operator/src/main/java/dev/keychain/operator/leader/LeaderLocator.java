package dev.keychain.operator.leader;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where the current leader is, from Lease {@value LeaderElection#LEASE_NAME}: the URL of another
 * replica holding an unexpired lease, or empty when this replica leads, nobody does, or leader
 * election is off (tests, dev). Read at most once a second.
 */
@Singleton
public class LeaderLocator {
  private static final Duration FRESH = Duration.ofSeconds(1);
  private final KubernetesClient client;
  private final String namespace;
  private final ReplicaIdentity self;
  private Optional<String> cached = Optional.empty();
  private Instant readAt = Instant.EPOCH;

  public LeaderLocator(
      KubernetesClient client,
      @ConfigProperty(name = "keychain.operator.namespace") String namespace,
      ReplicaIdentity self) {
    this.client = client;
    this.namespace = namespace;
    this.self = self;
  }

  /** The URL of the leader when another replica leads. */
  public synchronized Optional<String> otherLeader() {
    Instant now = Instant.now();
    if (Duration.between(readAt, now).compareTo(FRESH) < 0) {
      return cached;
    }
    Lease lease;
    try {
      lease = client.leases().inNamespace(namespace).withName(LeaderElection.LEASE_NAME).get();
    } catch (KubernetesClientException e) {
      return cached; // keep the last answer while the API server is away
    }
    cached = Optional.empty();
    if (lease != null && lease.getSpec() != null) {
      var spec = lease.getSpec();
      String holder = spec.getHolderIdentity();
      boolean current =
          spec.getRenewTime() != null
              && spec.getLeaseDurationSeconds() != null
              && spec.getRenewTime()
                  .toInstant()
                  .plusSeconds(spec.getLeaseDurationSeconds())
                  .isAfter(now);
      if (current && holder != null && !holder.equals(self.identity())) {
        cached = ReplicaIdentity.urlOf(holder);
      }
    }
    readAt = now;
    return cached;
  }

  /** Forgets the cached answer (a forward to it failed). */
  public synchronized void invalidate() {
    readAt = Instant.EPOCH;
  }
}
