package dev.keychain.operator.webhook;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * A POST endpoint taking a JSON body and answering with a {@link Reply}, run on a worker thread
 * (handlers call the API server and registries). A body that is not declared as JSON is refused
 * with 415 and bodies over the limit with 413, before the handler sees them.
 */
@FunctionalInterface
public interface JsonEndpoint {
  /** Largest request body: an AdmissionReview of a large pod is well below this. */
  long BODY_LIMIT = 3L * 1024 * 1024;

  Reply handle(String body);

  /** The status, content type and body of an answer. */
  record Reply(int status, String contentType, String body) {
    public static Reply json(String body) {
      return new Reply(200, "application/json", body);
    }

    public static Reply json(int status, String body) {
      return new Reply(status, "application/json", body);
    }

    public static Reply text(int status, String body) {
      return new Reply(status, "text/plain; charset=utf-8", body);
    }
  }

  /** An endpoint that also reads the request's headers (content negotiation). */
  @FunctionalInterface
  interface WithHeaders {
    Reply handle(String body, io.vertx.core.MultiMap headers);
  }

  static void post(Router router, String path, JsonEndpoint endpoint) {
    postWithHeaders(router, path, (body, headers) -> endpoint.handle(body));
  }

  static void postWithHeaders(Router router, String path, WithHeaders endpoint) {
    router
        .post(path)
        .consumes("application/json")
        .handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT))
        .blockingHandler(
            ctx -> {
              Reply reply;
              try {
                String body = ctx.body().asString();
                reply = endpoint.handle(body == null ? "" : body, ctx.request().headers());
              } catch (RuntimeException e) {
                reply = Reply.text(500, "internal error: " + e.getClass().getSimpleName());
                org.jboss.logging.Logger.getLogger(JsonEndpoint.class).errorf(e, "%s failed", path);
              }
              ctx.response()
                  .setStatusCode(reply.status())
                  .putHeader("content-type", reply.contentType())
                  .end(reply.body());
            },
            false);
  }
}
