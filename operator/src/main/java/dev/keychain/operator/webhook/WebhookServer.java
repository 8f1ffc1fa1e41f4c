package dev.keychain.operator.webhook;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.ext.web.Router;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The operator's HTTPS port for the API server's webhook calls and the agents' handshakes, with a
 * certificate the operator issues and rotates itself ({@link WebhookCertificates}). Separate from
 * Quarkus' HTTP port, which serves health and metrics in plain HTTP: nothing that carries a token
 * or an AdmissionReview is ever reachable without TLS.
 */
@Singleton
public class WebhookServer {
  private static final Logger LOG = Logger.getLogger(WebhookServer.class);

  private final Vertx vertx;
  private final WebhookCertificates certificates;
  private final CaBundleInjector injector;
  private final Instance<WebhookRoutes> routes;
  private final boolean enabled;
  private final String host;
  private final int port;
  private final Duration checkInterval;
  private HttpServer server;
  private ScheduledExecutorService refresher;

  public WebhookServer(
      Vertx vertx,
      WebhookCertificates certificates,
      CaBundleInjector injector,
      Instance<WebhookRoutes> routes,
      @ConfigProperty(name = "keychain.webhook.enabled", defaultValue = "true") boolean enabled,
      @ConfigProperty(name = "keychain.webhook.host", defaultValue = "0.0.0.0") String host,
      @ConfigProperty(name = "keychain.webhook.port", defaultValue = "8443") int port,
      @ConfigProperty(name = "keychain.webhook.check-interval", defaultValue = "PT1M")
          Duration checkInterval) {
    this.vertx = vertx;
    this.certificates = certificates;
    this.injector = injector;
    this.routes = routes;
    this.enabled = enabled;
    this.host = host;
    this.port = port;
    this.checkInterval = checkInterval;
  }

  void start(@Observes @Priority(10) StartupEvent e) throws Exception {
    if (!enabled) {
      LOG.info("webhook server disabled (keychain.webhook.enabled=false)");
      return;
    }
    certificates.refresh(Instant.now());
    injector.watch(certificates::caBundlePem);
    Router router = Router.router(vertx);
    routes.forEach(r -> r.register(router));
    // A client that goes away mid-request fails its route: nothing to answer, nothing to log
    // above debug (Vert.x would log "Unhandled exception in router" as an error).
    router
        .route()
        .last()
        .failureHandler(
            ctx -> {
              if (ctx.failure() instanceof io.vertx.core.http.HttpClosedException
                  || ctx.response().closed()) {
                LOG.debugf(
                    "client went away during %s %s", ctx.request().method(), ctx.request().path());
                return;
              }
              ctx.next();
            });
    // Every answer says what was wrong, in plain text, instead of the router's HTML pages.
    router.errorHandler(404, ctx -> plain(ctx, 404, "no endpoint " + ctx.request().path()));
    router.errorHandler(
        405,
        ctx ->
            plain(
                ctx,
                405,
                ctx.request().path() + " takes POST, not " + ctx.request().method().name()));
    router.errorHandler(
        415,
        ctx -> {
          String type = ctx.request().getHeader("content-type");
          plain(
              ctx,
              415,
              ctx.request().path()
                  + " takes content type application/json, not "
                  + (type == null ? "none" : "'" + type + "'"));
        });
    router.errorHandler(
        413, ctx -> plain(ctx, 413, "request body exceeds " + JsonEndpoint.BODY_LIMIT + " bytes"));
    router.errorHandler(400, ctx -> plain(ctx, 400, "bad request" + reason(ctx.failure())));
    router.errorHandler(
        500,
        ctx -> {
          LOG.errorf(ctx.failure(), "%s %s failed", ctx.request().method(), ctx.request().path());
          plain(ctx, 500, "internal error");
        });
    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setSsl(true)
                .setKeyCertOptions(KeyCertOptions.wrap(certificates.keyManager()))
                .setIdleTimeout(120)
                .setIdleTimeoutUnit(TimeUnit.SECONDS));
    server
        .requestHandler(router)
        // Failed TLS handshakes, plain HTTP on this port, resets and torn requests are the
        // clients' doing: debug, not an unhandled-exception error in the operator's log.
        .exceptionHandler(x -> LOG.debugf("webhook connection failed: %s", x.toString()))
        .listen()
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    LOG.infof("webhooks and agent endpoint listening on https://%s:%d", host, server.actualPort());
    refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "webhook-certificates");
              t.setDaemon(true);
              return t;
            });
    refresher.scheduleWithFixedDelay(
        this::refresh, checkInterval.toMillis(), checkInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void refresh() {
    try {
      certificates.refresh(Instant.now());
    } catch (RuntimeException e) {
      // The current certificate stays in use; the next check tries again.
      LOG.warnf("webhook certificate check failed: %s", e.getMessage());
    }
  }

  private static void plain(io.vertx.ext.web.RoutingContext ctx, int status, String message) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "text/plain; charset=utf-8")
        .end(message);
  }

  private static String reason(Throwable failure) {
    return failure == null || failure.getMessage() == null ? "" : ": " + failure.getMessage();
  }

  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  void stop(@Observes ShutdownEvent e) {
    injector.stop();
    if (refresher != null) {
      refresher.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }
}
