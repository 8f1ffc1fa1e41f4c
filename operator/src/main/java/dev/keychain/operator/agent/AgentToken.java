package dev.keychain.operator.agent;

/** Who an agent's token says it is, as the API server's TokenReview established it. */
public record AgentToken(String namespace, String serviceAccount, String podName, String podUid) {
  @Override
  public String toString() {
    return "pod " + namespace + "/" + podName + " (service account " + serviceAccount + ")";
  }
}
