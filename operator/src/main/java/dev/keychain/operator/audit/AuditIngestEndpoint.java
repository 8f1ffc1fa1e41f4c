package dev.keychain.operator.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keychain.core.audit.AuditEvent;
import dev.keychain.core.crypto.Hashes;
import dev.keychain.operator.leader.LeaderLocator;
import dev.keychain.operator.webhook.JsonEndpoint;
import dev.keychain.operator.webhook.WebhookRoutes;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vertx.ext.web.Router;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The leader's side of audit forwarding: other replicas post their events here with their
 * ServiceAccount token; the token must review as the operator's own ServiceAccount (audience
 * {@value #AUDIENCE}, as the chart projects it, or the API server's), and this replica must lead.
 * The events are recorded durably before the answer; a malformed batch is refused whole, naming
 * what is wrong, so nothing is half-applied.
 */
@Singleton
public class AuditIngestEndpoint implements WebhookRoutes {
  public static final String AUDIENCE = "keychain.dev/replica";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AuditLogs logs;
  private final LeaderLocator leader;
  private final KubernetesClient client;
  private final String expectedUser;
  private final Cache<String, Boolean> reviewed =
      Caffeine.newBuilder().maximumSize(1000).expireAfterWrite(Duration.ofSeconds(30)).build();

  public AuditIngestEndpoint(
      AuditLogs logs,
      LeaderLocator leader,
      KubernetesClient client,
      @ConfigProperty(name = "keychain.operator.namespace") String namespace,
      @ConfigProperty(
              name = "keychain.operator.service-account",
              defaultValue = "keychain-operator")
          String serviceAccount) {
    this.logs = logs;
    this.leader = leader;
    this.client = client;
    this.expectedUser = "system:serviceaccount:" + namespace + ":" + serviceAccount;
  }

  @Override
  public void register(Router router) {
    JsonEndpoint.post(router, AuditForwarder.PATH, this::ingest);
  }

  JsonEndpoint.Reply ingest(String body) {
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (java.io.IOException e) {
      return refusal(400, "request body is not JSON");
    }
    if (request == null || !request.path("token").isTextual()) {
      return refusal(400, "request has no 'token' string");
    }
    if (!request.path("events").isArray()) {
      return refusal(400, "request has no 'events' array");
    }
    List<AuditEvent> events = new ArrayList<>();
    for (int i = 0; i < request.get("events").size(); i++) {
      try {
        events.add(AuditEvent.fromJson(request.get("events").get(i)));
      } catch (IllegalArgumentException e) {
        return refusal(400, "event " + i + ": " + e.getMessage());
      }
    }
    String problem = authenticate(request.get("token").asText());
    if (problem != null) {
      return refusal(401, problem);
    }
    if (leader.otherLeader().isPresent()) {
      return refusal(503, "not the leader");
    }
    // Each event is recorded or, failing closed on a log that cannot be written, named back: the
    // replica that forwarded it denies what it decided.
    var reply = JSON.createObjectNode();
    var unwritable = JSON.createArrayNode();
    String error = null;
    for (int i = 0; i < events.size(); i++) {
      try {
        logs.recordLocally(events.get(i));
      } catch (dev.keychain.core.audit.AuditUnwritableException e) {
        unwritable.add(i);
        error = e.getMessage();
      }
    }
    reply.put("recorded", events.size() - unwritable.size());
    if (error != null) {
      reply.set("unwritable", unwritable);
      reply.put("error", error);
    }
    return JsonEndpoint.Reply.json(reply.toString());
  }

  /** Null when the token is the operator's own ServiceAccount's, else why not. */
  private String authenticate(String token) {
    String key = HexFormat.of().formatHex(Hashes.sha256(token.getBytes(StandardCharsets.US_ASCII)));
    if (reviewed.getIfPresent(key) != null) {
      return null;
    }
    TokenReview review;
    try {
      review = review(token, List.of(AUDIENCE));
      if (!authenticated(review)) {
        // A token for the API server's own audience (a replica without the projected token).
        review = review(token, List.of());
      }
    } catch (KubernetesClientException e) {
      return "cannot review the token: API server answered " + e.getCode();
    }
    if (!authenticated(review)) {
      return "token rejected";
    }
    String user = review.getStatus().getUser().getUsername();
    if (!expectedUser.equals(user)) {
      return "token of " + user + ", not of the operator's ServiceAccount";
    }
    reviewed.put(key, Boolean.TRUE);
    return null;
  }

  private TokenReview review(String token, List<String> audiences) {
    return client
        .tokenReviews()
        .create(
            new TokenReviewBuilder()
                .withNewSpec()
                .withToken(token)
                .withAudiences(audiences)
                .endSpec()
                .build());
  }

  private static boolean authenticated(TokenReview review) {
    return review.getStatus() != null && Boolean.TRUE.equals(review.getStatus().getAuthenticated());
  }

  private static JsonEndpoint.Reply refusal(int status, String message) {
    return JsonEndpoint.Reply.json(
        status, JSON.createObjectNode().put("error", message).toString());
  }
}
