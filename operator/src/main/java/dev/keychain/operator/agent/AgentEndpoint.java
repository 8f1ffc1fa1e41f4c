package dev.keychain.operator.agent;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keychain.core.audit.AuditUnwritableException;
import dev.keychain.core.auth.AgentApi;
import dev.keychain.core.auth.AuthFailure;
import dev.keychain.core.auth.GrantDecider;
import dev.keychain.core.auth.MasterHandshake;
import dev.keychain.core.auth.Messages;
import dev.keychain.core.auth.ReplayCache;
import dev.keychain.core.auth.Wire;
import dev.keychain.operator.api.v1alpha1.SecureInstance;
import dev.keychain.operator.chain.Keysets;
import dev.keychain.operator.instance.InstanceIndex;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.pods.AgentPodAnnotations;
import dev.keychain.operator.share.ShareDeliveries;
import dev.keychain.operator.share.ShareIndex;
import dev.keychain.operator.webhook.JsonEndpoint;
import dev.keychain.operator.webhook.WebhookCertificates;
import dev.keychain.operator.webhook.WebhookRoutes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The agent endpoint: the mutual-authentication handshake of {@code core.auth} over HTTPS (hello,
 * then confirm, which grants the pod's sub key or refuses with a MACed reason), and a long-poll
 * that wakes agents when their instance's key state changes (rotation, restriction, revocation). A
 * session lives between the two steps for at most {@code keychain.agent.session-timeout}, in the
 * replica that answered the hello (the Service uses ClientIP affinity).
 */
@Singleton
public class AgentEndpoint implements WebhookRoutes {
  private static final Logger LOG = Logger.getLogger(AgentEndpoint.class);
  private static final long BODY_LIMIT = Wire.MAX_MESSAGE_BYTES;

  private final AgentGrants grants;
  private final AgentPods pods;
  private final WebhookCertificates certificates;
  private final OperatorMetrics metrics;
  private final Vertx vertx;
  private final Clock clock = Clock.systemUTC();
  private final Duration skew;
  private final ReplayCache replays;
  private final Cache<String, MasterHandshake> sessions;
  private final Map<String, Set<Waiter>> waiting = new ConcurrentHashMap<>();
  private final InstanceIndex instances;
  private final GrantAudit grantAudit;
  private final AgentShares shares;

  public AgentEndpoint(
      AgentGrants grants,
      GrantAudit grantAudit,
      AgentPods pods,
      WebhookCertificates certificates,
      OperatorMetrics metrics,
      Vertx vertx,
      InstanceIndex instances,
      Keysets keysets,
      AgentShares shares,
      ShareIndex shareIndex,
      @ConfigProperty(name = "keychain.agent.clock-skew", defaultValue = "PT30S") Duration skew,
      @ConfigProperty(name = "keychain.agent.session-timeout", defaultValue = "PT30S")
          Duration sessionTimeout) {
    this.grants = grants;
    this.grantAudit = grantAudit;
    this.pods = pods;
    this.certificates = certificates;
    this.metrics = metrics;
    this.vertx = vertx;
    this.skew = skew;
    this.replays = new ReplayCache(skew, 1_000_000);
    this.sessions =
        Caffeine.newBuilder().maximumSize(200_000).expireAfterWrite(sessionTimeout).build();
    this.instances = instances;
    this.shares = shares;
    instances.addListener(this::instanceChanged);
    shareIndex.addListener(ids -> ids.forEach(this::sharesChanged));
    keysets.addListener(this::keysetChanged);
  }

  @Override
  public void register(Router router) {
    JsonEndpoint.post(router, AgentApi.HELLO, this::hello);
    JsonEndpoint.postWithHeaders(
        router,
        AgentApi.CONFIRM,
        (body, headers) -> confirm(body, wantsShares(headers.getAll("accept"))));
    router
        .post(AgentApi.WATCH)
        .handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT))
        .handler(ctx -> watch(ctx.body().asString(), ctx.response()));
  }

  JsonEndpoint.Reply hello(String body) {
    long start = System.nanoTime();
    MasterHandshake handshake =
        new MasterHandshake(certificates.masterIdentity(), replays, clock, skew);
    try {
      Messages.MasterHello answer = handshake.onHello(Wire.parse(body, Messages.AgentHello.class));
      sessions.put(handshake.sessionId(), handshake);
      return JsonEndpoint.Reply.json(Wire.toJson(answer));
    } catch (AuthFailure failure) {
      return refuse(handshake, failure);
    } finally {
      metrics.handshakeSeconds.labelValues("hello").observe((System.nanoTime() - start) / 1e9);
    }
  }

  /** Whether the agent listed the grant-bundle media type: only then are shares sent. */
  static boolean wantsShares(java.util.List<String> accept) {
    return accept.stream()
        .flatMap(a -> java.util.Arrays.stream(a.split(",")))
        .map(a -> a.split(";")[0].trim())
        .anyMatch(AgentApi.GRANT_BUNDLE::equalsIgnoreCase);
  }

  JsonEndpoint.Reply confirm(String body, boolean withShares) {
    long start = System.nanoTime();
    Messages.AgentConfirm confirm;
    try {
      confirm = Wire.parse(body, Messages.AgentConfirm.class);
    } catch (AuthFailure failure) {
      return refuse(null, failure);
    }
    // One use per session: a replayed confirm finds nothing.
    MasterHandshake handshake = sessions.asMap().remove(confirm.sessionId());
    if (handshake == null) {
      return refuse(
          null,
          new AuthFailure(
              AuthFailure.Reason.UNEXPECTED_MESSAGE,
              "unknown or expired handshake session (a confirm is accepted once, within the"
                  + " session timeout, by the replica that answered the hello)"));
    }
    AtomicReference<AgentGrants.Membership> member = new AtomicReference<>();
    AtomicReference<AgentGrants.Decided> decided = new AtomicReference<>();
    AtomicReference<ShareDeliveries.Deliveries> delivered = new AtomicReference<>();
    try {
      GrantDecider decider =
          token -> {
            long t0 = System.nanoTime();
            AgentGrants.Membership m = grants.membership(token);
            member.set(m);
            long t1 = phase("membership", t0);
            AgentGrants.Decided d = grants.decide(m);
            decided.set(d);
            phase("decide", t1);
            if (!withShares) {
              return d.grant();
            }
            ShareDeliveries.Deliveries s;
            try {
              s = shares.forAgent(d);
            } catch (AuthFailure e) {
              d.grant().destroy();
              throw e;
            }
            delivered.set(s);
            return new GrantDecider.Grant(
                d.grant().subKey(),
                d.grant().epochs(),
                d.grant().expiresAt(),
                s.deliveries(),
                s.withheldIds());
          };
      String answer =
          withShares
              ? Wire.toJson(handshake.onConfirmWithShares(confirm, decider))
              : Wire.toJson(handshake.onConfirm(confirm, decider));
      AgentGrants.Decided d = decided.get();
      // Served before: the pod carries the acknowledgement of an earlier grant.
      boolean refresh =
          d.pod().getMetadata().getAnnotations() != null
              && d.pod().getMetadata().getAnnotations().containsKey(AgentPodAnnotations.ACK_EPOCH);
      long audited = System.nanoTime();
      try {
        grantAudit.granted(d, refresh);
        if (delivered.get() != null) {
          grantAudit.shares(d, delivered.get());
        }
        audited = phase("audit", audited);
      } catch (AuditUnwritableException e) {
        // fail closed: a grant (or its shares) that cannot be audited is not served (what the
        // agent holds stays until it expires)
        throw new AuthFailure(
            AuthFailure.Reason.UNAVAILABLE, "the grant cannot be audited: " + e.getMessage());
      }
      pods.acknowledge(
          d.pod(),
          d.keyId(),
          d.epoch(),
          Optional.ofNullable(delivered.get()).map(ShareDeliveries.Deliveries::acknowledgement),
          Instant.now());
      phase("acknowledge", audited);
      metrics.handshakes.labelValues("granted").inc();
      Optional.ofNullable(delivered.get())
          .ifPresent(
              s -> {
                metrics.shareDeliveries.labelValues("delivered").inc(s.served().size());
                metrics.shareDeliveries.labelValues("withheld").inc(s.withheld().size());
              });
      return withShares
          ? new JsonEndpoint.Reply(200, AgentApi.GRANT_BUNDLE, answer)
          : JsonEndpoint.Reply.json(answer);
    } catch (AuthFailure failure) {
      grantAudit.refused(
          Optional.ofNullable(member.get()).map(AgentGrants.Membership::pod), failure);
      return refuse(handshake, failure);
    } finally {
      metrics.handshakeSeconds.labelValues("confirm").observe((System.nanoTime() - start) / 1e9);
    }
  }

  /** Observes the confirm phase that began at {@code since}; returns now, the next one's start. */
  private long phase(String name, long since) {
    long now = System.nanoTime();
    metrics.confirmPhaseSeconds.labelValues(name).observe((now - since) / 1e9);
    return now;
  }

  private JsonEndpoint.Reply refuse(MasterHandshake handshake, AuthFailure failure) {
    metrics.handshakes.labelValues(failure.reason().name()).inc();
    LOG.debugf("agent handshake refused: %s %s", failure.reason(), failure.detail());
    Messages.Refusal refusal =
        handshake != null
            ? handshake.refusal(failure)
            : new Messages.Refusal(
                Messages.VERSION, null, failure.reason().name(), failure.detail(), null);
    int status =
        switch (failure.reason()) {
          case MALFORMED, UNSUPPORTED_VERSION -> 400;
          case UNAVAILABLE -> 503;
          default -> 403;
        };
    return JsonEndpoint.Reply.json(status, Wire.toJson(refusal));
  }

  /** One parked watch. */
  private final class Waiter {
    final String since;
    final String imageState;
    final HttpServerResponse response;
    final AtomicBoolean done = new AtomicBoolean();
    long timer;

    Waiter(String since, String imageState, HttpServerResponse response) {
      this.since = since;
      this.imageState = imageState;
      this.response = response;
    }

    void answer(String state) {
      if (done.compareAndSet(false, true)) {
        vertx.cancelTimer(timer);
        response
            .putHeader("content-type", "application/json")
            .end(
                Wire.toJson(
                    new AgentApi.WatchResponse(Messages.VERSION, state, !state.equals(since))));
      }
    }
  }

  private void watch(String body, HttpServerResponse response) {
    vertx
        .<Object[]>executeBlocking(
            () -> {
              AgentApi.WatchRequest request = Wire.parse(body, AgentApi.WatchRequest.class);
              AgentGrants.Membership m = grants.membership(request.token());
              String key =
                  m.pod().getMetadata().getNamespace()
                      + "/"
                      + m.pod().getMetadata().getAnnotations().get(AgentPodAnnotations.INSTANCE);
              String images = grants.imageState(m);
              return new Object[] {request, key, grants.keyState(m.instance()) + images, images};
            },
            false)
        .onSuccess(
            r -> {
              AgentApi.WatchRequest request = (AgentApi.WatchRequest) r[0];
              String key = (String) r[1];
              String state = (String) r[2];
              Waiter waiter = new Waiter(request.since(), (String) r[3], response);
              if (!state.equals(request.since())) {
                waiter.answer(state);
                return;
              }
              Set<Waiter> set = waiting.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet());
              set.add(waiter);
              waiter.timer =
                  vertx.setTimer(
                      request.timeoutSeconds() * 1000L,
                      id -> {
                        set.remove(waiter);
                        waiter.answer(state);
                      });
              response.closeHandler(v -> set.remove(waiter));
            })
        .onFailure(
            e -> {
              AuthFailure failure =
                  e instanceof AuthFailure f
                      ? f
                      : new AuthFailure(
                          AuthFailure.Reason.UNAVAILABLE,
                          "watch failed: " + e.getClass().getSimpleName());
              JsonEndpoint.Reply reply = refuse(null, failure);
              response
                  .setStatusCode(reply.status())
                  .putHeader("content-type", reply.contentType())
                  .end(reply.body());
            });
  }

  /** A share version entitling {@code instance} (namespace/name) was made or withdrawn. */
  private void sharesChanged(String instance) {
    int slash = instance.indexOf('/');
    wake(instance, instances.get(instance.substring(0, slash), instance.substring(slash + 1)));
  }

  private void instanceChanged(SecureInstance si, boolean deleted) {
    String key = si.getMetadata().getNamespace() + "/" + si.getMetadata().getName();
    wake(key, deleted ? Optional.empty() : Optional.of(si));
  }

  /** A chain Secret of {@code namespace} changed: wake the watches whose key state moved. */
  private void keysetChanged(String namespace) {
    for (String key : waiting.keySet()) {
      if (key.startsWith(namespace + "/")) {
        wake(key, instances.get(namespace, key.substring(namespace.length() + 1)));
      }
    }
  }

  private void wake(String key, Optional<SecureInstance> si) {
    Set<Waiter> set = waiting.get(key);
    if (set == null || set.isEmpty()) {
      return;
    }
    String state = grants.keyState(si);
    for (Waiter w : set) {
      // the pod's image judgement is re-made when the agent watches again (each watch period)
      String full = state + w.imageState;
      if (!full.equals(w.since)) {
        set.remove(w);
        w.answer(full);
      }
    }
  }
}
