package dev.keychain.operator.leader;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.runtime.Quarkus;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Reconcilers run in one replica at a time: the one holding Lease {@code keychain-operator-leader}
 * in the operator's namespace (in the prod profile; tests and dev run alone). Webhooks, the agent
 * endpoint and the informers that feed them run in every replica.
 *
 * <p>A replica that loses the lease exits (its pod restarts and rejoins), through Quarkus'
 * asynchronous exit: JOSDK's own exit-on-stop calls System.exit, which deadlocks when the lease is
 * released by an ordinary shutdown (SIGTERM) and left the process hanging.
 */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {
  public static final String LEASE_NAME = "keychain-operator-leader";
  private static final Logger LOG = Logger.getLogger(LeaderElection.class);

  public LeaderElection(
      @ConfigProperty(name = "keychain.operator.namespace") String namespace,
      ReplicaIdentity identity) {
    super(
        LEASE_NAME,
        namespace,
        LEASE_DURATION_DEFAULT_VALUE,
        RENEW_DEADLINE_DEFAULT_VALUE,
        RETRY_PERIOD_DEFAULT_VALUE,
        identity.identity(),
        new LeaderCallbacks(
            () -> LOG.info("leading: reconcilers started"),
            () -> {
              LOG.info("no longer leading: exiting so that the pod restarts as a follower");
              Quarkus.asyncExit(1);
            },
            leader -> LOG.infof("leader is %s", leader)),
        false);
  }
}
