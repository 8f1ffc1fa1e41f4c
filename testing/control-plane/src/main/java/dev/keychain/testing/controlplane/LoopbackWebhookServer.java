package dev.keychain.testing.controlplane;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.keychain.testing.fixtures.FreePorts;
import dev.keychain.testing.fixtures.TestPki;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * An HTTPS admission webhook on a free loopback port, for tests: the API server calls it through a
 * webhook configuration whose {@code url} is {@link #url(String)} and whose {@code caBundle} is
 * {@link #caBundle()}. The handler turns each AdmissionReview request into a response.
 */
public final class LoopbackWebhookServer implements AutoCloseable {
  private final HttpsServer server;
  private final TestPki pki;
  private final CopyOnWriteArrayList<AdmissionReview> received = new CopyOnWriteArrayList<>();

  private LoopbackWebhookServer(HttpsServer server, TestPki pki) {
    this.server = server;
    this.pki = pki;
  }

  public static LoopbackWebhookServer start(
      String path, Function<AdmissionReview, AdmissionResponse> handler) {
    TestPki pki = TestPki.create("loopback webhook CA");
    try {
      HttpsServer server =
          HttpsServer.create(new InetSocketAddress("127.0.0.1", FreePorts.loopback()), 0);
      server.setHttpsConfigurator(
          new HttpsConfigurator(
              pki.identityContext(pki.loopbackServerCertificate("loopback-webhook"))));
      LoopbackWebhookServer webhook = new LoopbackWebhookServer(server, pki);
      server.createContext(path, exchange -> webhook.handle(exchange, handler));
      server.setExecutor(Executors.newFixedThreadPool(4));
      server.start();
      return webhook;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start loopback webhook", e);
    }
  }

  private void handle(
      com.sun.net.httpserver.HttpExchange exchange,
      Function<AdmissionReview, AdmissionResponse> handler)
      throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      AdmissionReview review =
          Serialization.unmarshal(
              new String(in.readAllBytes(), StandardCharsets.UTF_8), AdmissionReview.class);
      received.add(review);
      AdmissionResponse response = handler.apply(review);
      response.setUid(review.getRequest().getUid());
      AdmissionReview answer = new AdmissionReview();
      answer.setApiVersion("admission.k8s.io/v1");
      answer.setKind("AdmissionReview");
      answer.setResponse(response);
      byte[] body = Serialization.asJson(answer).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (RuntimeException e) {
      byte[] body = ("bad AdmissionReview: " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(400, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** {@code https://127.0.0.1:<port><path>} */
  public String url(String path) {
    return "https://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** Base64 PEM of the CA that signed the serving certificate, for a webhook configuration. */
  public String caBundle() {
    return Base64.getEncoder().encodeToString(pki.caPem().getBytes(StandardCharsets.US_ASCII));
  }

  /** Every review received so far. */
  public java.util.List<AdmissionReview> received() {
    return java.util.List.copyOf(received);
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
