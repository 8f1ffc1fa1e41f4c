package dev.keychain.agent;

import dev.keychain.core.auth.AgentApi;
import dev.keychain.core.auth.AgentHandshake;
import dev.keychain.core.auth.AuthFailure;
import dev.keychain.core.auth.GrantedKey;
import dev.keychain.core.auth.MasterTrust;
import dev.keychain.core.auth.Messages;
import dev.keychain.core.auth.Wire;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.tls.TrustBundles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The agent's side of the wire: HTTPS to the operator, trusting only the injected CA bundle (for
 * TLS and for the master's handshake signature alike), one connection reused for both handshake
 * steps so that they reach the same replica.
 */
final class OperatorClient {
  private final AgentConfig config;
  private final HttpClient http;
  private final MasterTrust trust;
  private final Clock clock;

  OperatorClient(AgentConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.trust = MasterTrust.fromPemBundle(config.caBundlePem());
    this.http =
        HttpClient.newBuilder()
            .sslContext(TrustBundles.trusting(config.caBundlePem()))
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /** A handshake's outcome: a key, or the operator's refusal (authenticated or not). */
  sealed interface Outcome {
    /**
     * A key, and the shares served with it ({@code shares} empty when the operator serves none: an
     * older operator answers a bare key grant).
     */
    record Granted(GrantedKey key, Optional<AgentHandshake.Granted> shares) implements Outcome {}

    record Refused(AuthFailure failure, boolean authenticated) implements Outcome {}
  }

  /**
   * Runs one handshake. Throws {@link AuthFailure} when the operator cannot be verified (its
   * certificate, signature or MACs) and {@link IOException} when it cannot be reached.
   */
  Outcome handshake(String token, Optional<SubKeyEpochs> held) throws IOException, AuthFailure {
    AgentHandshake handshake = new AgentHandshake(token, trust, clock, config.clockSkew(), held);
    Messages.AgentHello hello = handshake.start();
    HttpResponse<String> r1 = post(AgentApi.HELLO, Wire.toJson(hello), Duration.ofSeconds(10));
    if (r1.statusCode() != 200) {
      return new Outcome.Refused(refusal(handshake, r1), false);
    }
    Messages.AgentConfirm confirm =
        handshake.onMasterHello(Wire.parse(r1.body(), Messages.MasterHello.class));
    HttpResponse<String> r2 =
        post(
            AgentApi.CONFIRM,
            Wire.toJson(confirm),
            Duration.ofSeconds(10),
            AgentApi.GRANT_BUNDLE + ", application/json;q=0.5");
    if (r2.statusCode() != 200) {
      AgentHandshake.RefusalOutcome outcome =
          handshake.onRefusal(Wire.parse(r2.body(), Messages.Refusal.class));
      return new Outcome.Refused(outcome.failure(), outcome.authenticated());
    }
    if (r2.headers().firstValue("content-type").orElse("").startsWith(AgentApi.GRANT_BUNDLE)) {
      AgentHandshake.Granted granted =
          handshake.onBundle(Wire.parse(r2.body(), Messages.GrantBundle.class));
      return new Outcome.Granted(granted.key(), Optional.of(granted));
    }
    return new Outcome.Granted(
        handshake.onGrant(Wire.parse(r2.body(), Messages.KeyGrant.class)), Optional.empty());
  }

  private AuthFailure refusal(AgentHandshake handshake, HttpResponse<String> response)
      throws AuthFailure {
    if (response.headers().firstValue("content-type").orElse("").startsWith("application/json")) {
      return handshake.onRefusal(Wire.parse(response.body(), Messages.Refusal.class)).failure();
    }
    return new AuthFailure(
        AuthFailure.Reason.UNAVAILABLE, "operator answered HTTP " + response.statusCode());
  }

  /** Long-polls for a change of the instance's key state. */
  AgentApi.WatchResponse watch(String token, String since, int seconds)
      throws IOException, AuthFailure {
    HttpResponse<String> r =
        post(
            AgentApi.WATCH,
            Wire.toJson(new AgentApi.WatchRequest(Messages.VERSION, token, since, seconds)),
            Duration.ofSeconds(seconds + 15));
    if (r.statusCode() != 200) {
      Messages.Refusal refusal = Wire.parse(r.body(), Messages.Refusal.class);
      throw AuthFailure.ofRefusal(refusal.reason(), refusal.message());
    }
    return Wire.parse(r.body(), AgentApi.WatchResponse.class);
  }

  private HttpResponse<String> post(String path, String body, Duration timeout) throws IOException {
    return post(path, body, timeout, "application/json");
  }

  private HttpResponse<String> post(String path, String body, Duration timeout, String accept)
      throws IOException {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(config.operatorUrl() + path))
              .timeout(timeout)
              .header("content-type", "application/json")
              .header("accept", accept)
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
