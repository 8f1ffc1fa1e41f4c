package dev.keychain.operator.instance;

import dev.keychain.operator.api.v1alpha1.SecureInstance;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * The identity a pod's sub key is derived for: namespace, the instance's UID and the pod's UID. A
 * recreated instance or pod is a new agent with new keys, so keys revoked with a deleted instance
 * are never derived again.
 */
public final class AgentIdentity {
  private AgentIdentity() {}

  public static String of(SecureInstance instance, Pod pod) {
    return instance.getMetadata().getNamespace()
        + "/"
        + instance.getMetadata().getUid()
        + "/"
        + pod.getMetadata().getUid();
  }
}
