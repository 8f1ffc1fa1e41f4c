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
