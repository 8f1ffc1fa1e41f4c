package dev.keychain.operator.leader;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reconcilers run in one replica at a time: the one holding Lease {@code keychain-operator-leader}
 * in the operator's namespace (in the prod profile; tests and dev run alone). Webhooks, the agent
 * endpoint and the informers that feed them run in every replica.
 */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {
  public LeaderElection(@ConfigProperty(name = "keychain.operator.namespace") String namespace) {
    super("keychain-operator-leader", namespace);
  }
}
