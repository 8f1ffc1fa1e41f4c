package dev.keychain.operator.agent;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keychain.core.auth.AuthFailure;
import dev.keychain.core.crypto.Hashes;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Validates agent tokens with the API server's TokenReview: the token must be a bound
 * ServiceAccount token for the agent audience, bound to a pod. Successful reviews are cached
 * briefly by the token's hash (the token itself is never kept), since an agent handshakes and
 * watches with the same token many times; the pod is checked on every use regardless.
 */
@Singleton
public class TokenReviews {
  static final String POD_NAME = "authentication.kubernetes.io/pod-name";
  static final String POD_UID = "authentication.kubernetes.io/pod-uid";

  private final KubernetesClient client;
  private final String audience;
  private final Cache<String, AgentToken> cache;

  public TokenReviews(
      KubernetesClient client,
      @ConfigProperty(name = "keychain.agent.audience", defaultValue = "keychain.dev/agent")
          String audience,
      @ConfigProperty(name = "keychain.agent.token-cache-ttl", defaultValue = "PT30S")
          Duration cacheTtl) {
    this.client = client;
    this.audience = audience;
    this.cache = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(cacheTtl).build();
  }

  public AgentToken review(String token) throws AuthFailure {
    String key = HexFormat.of().formatHex(Hashes.sha256(token.getBytes(StandardCharsets.US_ASCII)));
    AgentToken cached = cache.getIfPresent(key);
    if (cached != null) {
      return cached;
    }
    TokenReview review;
    try {
      review =
          client
              .tokenReviews()
              .create(
                  new TokenReviewBuilder()
                      .withNewSpec()
                      .withToken(token)
                      .withAudiences(audience)
                      .endSpec()
                      .build());
    } catch (KubernetesClientException e) {
      throw new AuthFailure(
          AuthFailure.Reason.UNAVAILABLE,
          "cannot review the agent token: API server answered " + e.getCode());
    }
    var status = review.getStatus();
    if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
      String why =
          status == null || status.getError() == null ? "not authenticated" : status.getError();
      throw new AuthFailure(AuthFailure.Reason.INVALID_TOKEN, "agent token rejected: " + why);
    }
    if (status.getAudiences() == null || !status.getAudiences().contains(audience)) {
      throw new AuthFailure(
          AuthFailure.Reason.INVALID_TOKEN, "agent token is not for audience " + audience);
    }
    String user = status.getUser().getUsername();
    if (user == null || !user.startsWith("system:serviceaccount:")) {
      throw new AuthFailure(
          AuthFailure.Reason.INVALID_TOKEN, "agent token is not a ServiceAccount token");
    }
    String[] parts = user.split(":");
    Map<String, List<String>> extra =
        status.getUser().getExtra() == null ? Map.of() : status.getUser().getExtra();
    List<String> pod = extra.get(POD_NAME);
    List<String> uid = extra.get(POD_UID);
    if (parts.length != 4 || pod == null || pod.size() != 1 || uid == null || uid.size() != 1) {
      throw new AuthFailure(
          AuthFailure.Reason.INVALID_TOKEN,
          "agent token of " + user + " is not bound to a pod (use a projected token)");
    }
    AgentToken agent = new AgentToken(parts[2], parts[3], pod.get(0), uid.get(0));
    cache.put(key, agent);
    return agent;
  }
}
