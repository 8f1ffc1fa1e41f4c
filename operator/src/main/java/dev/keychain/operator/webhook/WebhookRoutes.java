package dev.keychain.operator.webhook;

import io.vertx.ext.web.Router;

/** Endpoints served on the operator's HTTPS webhook port (admission webhooks, agent endpoint). */
public interface WebhookRoutes {
  void register(Router router);
}
