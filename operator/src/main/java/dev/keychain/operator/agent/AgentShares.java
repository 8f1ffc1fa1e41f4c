package dev.keychain.operator.agent;

import dev.keychain.core.auth.AuthFailure;
import dev.keychain.operator.pods.AgentPodAnnotations;
import dev.keychain.operator.share.ShareDeliveries;
import dev.keychain.operator.share.ShareIndex;
import jakarta.inject.Singleton;

/**
 * The shares an agent is served with its grant: those of the instance its pod was injected for (and
 * that selects it, as the grant already checked). Until the share stores are loaded nothing is
 * known, so the grant is refused as unavailable rather than served without shares (which would make
 * the agent erase the ones it holds).
 */
@Singleton
public class AgentShares {
  private final ShareIndex index;
  private final ShareDeliveries deliveries;

  public AgentShares(ShareIndex index, ShareDeliveries deliveries) {
    this.index = index;
    this.deliveries = deliveries;
  }

  ShareDeliveries.Deliveries forAgent(AgentGrants.Decided d) throws AuthFailure {
    if (!index.loaded()) {
      throw new AuthFailure(
          AuthFailure.Reason.UNAVAILABLE, "share stores are not loaded yet; try again");
    }
    String instance =
        d.pod().getMetadata().getNamespace()
            + "/"
            + d.pod().getMetadata().getAnnotations().get(AgentPodAnnotations.INSTANCE);
    return deliveries.forInstance(instance);
  }
}
