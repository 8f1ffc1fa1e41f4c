package dev.keychain.core.tuf;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Reads trust data from a Notary v1 server ({@code GET
 * /v2/<gun>/_trust/tuf/<role>[.<sha256>].json}), over HTTPS with the server's CA when given. Every
 * response is size-bounded.
 */
public final class NotaryServerSource implements MetadataSource {
  private final URI server;
  private final HttpClient http;
  private final Duration timeout;

  public NotaryServerSource(URI server, Optional<SSLContext> tls, Duration timeout) {
    String s = server.toString();
    this.server = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
    tls.ifPresent(b::sslContext);
    this.http = b.build();
    this.timeout = timeout;
  }

  public URI server() {
    return server;
  }

  @Override
  public byte[] fetch(String gun, String role, Optional<String> sha256Hex, long maxBytes)
      throws TufException {
    String file = role + sha256Hex.map(h -> "." + h).orElse("") + ".json";
    // A GUN of an IPv6 registry has brackets, which a URI path may not hold unescaped.
    String path = gun.replace("[", "%5B").replace("]", "%5D");
    URI uri = URI.create(server + "/v2/" + path + "/_trust/tuf/" + file);
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    try {
      HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        if (r.statusCode() == 404) {
          throw new TufException(
              TufException.Reason.NOT_FOUND, gun + ": notary server has no " + role + ".json");
        }
        if (r.statusCode() != 200) {
          throw new TufException(
              TufException.Reason.UNAVAILABLE,
              gun + ": notary server answered HTTP " + r.statusCode() + " for " + role + ".json");
        }
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (body.length > maxBytes) {
          throw new TufException(
              TufException.Reason.MALFORMED,
              gun + ": " + role + ".json exceeds " + maxBytes + " bytes");
        }
        return body;
      }
    } catch (IOException e) {
      throw new TufException(
          TufException.Reason.UNAVAILABLE,
          "notary server "
              + server.getHost()
              + ":"
              + server.getPort()
              + " unreachable: "
              + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TufException(TufException.Reason.UNAVAILABLE, "interrupted");
    }
  }
}
