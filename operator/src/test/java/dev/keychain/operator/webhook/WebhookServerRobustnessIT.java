package dev.keychain.operator.webhook;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.tls.TrustBundles;
import dev.keychain.operator.testing.LocalControlPlaneResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTPS port of the webhooks and the agent endpoint, sent what no API server or agent sends:
 * each malformed request gets a clear status and message, bad connections are dropped quietly, and
 * the operator logs no error for any of it.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalControlPlaneResource.class, restrictToAnnotatedClass = false)
class WebhookServerRobustnessIT {
  private final List<LogRecord> errors = new ArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
            synchronized (errors) {
              errors.add(r);
            }
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void captureErrors() {
    Logger.getLogger("").addHandler(capture);
  }

  @AfterEach
  void noErrorWasLogged() {
    Logger.getLogger("").removeHandler(capture);
    synchronized (errors) {
      assertTrue(
          errors.isEmpty(),
          "errors logged: "
              + errors.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList());
    }
  }

  private static URI base() {
    return URI.create(LocalControlPlaneResource.webhookUrl("/"));
  }

  private static SSLSocket tls() throws IOException {
    URI url = base();
    SSLSocket s =
        (SSLSocket)
            TrustBundles.trusting(LocalControlPlaneResource.webhookCaPem())
                .getSocketFactory()
                .createSocket(url.getHost(), url.getPort());
    s.setSoTimeout(5_000); // answers come at once on loopback; a kept-alive one ends here
    s.startHandshake();
    return s;
  }

  /** Sends raw bytes on a fresh TLS connection; returns the whole answer (the server closes). */
  private static String exchange(byte[] request) throws IOException {
    try (SSLSocket s = tls()) {
      OutputStream out = s.getOutputStream();
      out.write(request);
      out.flush();
      return readAll(s.getInputStream());
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) > 0; ) {
        got.write(buf, 0, n);
      }
    } catch (SocketTimeoutException | javax.net.ssl.SSLException e) {
      // what was read is the answer
    } catch (java.net.SocketException e) {
      // reset after the answer
    }
    return got.toString(StandardCharsets.UTF_8);
  }

  private static String request(String method, String path, String contentType, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return method
        + " "
        + path
        + " HTTP/1.1\r\nHost: "
        + base().getHost()
        + "\r\n"
        + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
        + "Content-Length: "
        + b.length
        + "\r\nConnection: close\r\n\r\n"
        + body;
  }

  private static String send(String method, String path, String contentType, String body)
      throws IOException {
    return exchange(request(method, path, contentType, body).getBytes(StandardCharsets.UTF_8));
  }

  private static void assertAnswer(String answer, int status, String says) {
    assertTrue(answer.startsWith("HTTP/1.1 " + status + " "), answer);
    assertTrue(answer.contains(says), answer);
  }

  @Test
  void wrongMethodAndUnknownPathAreNamed() throws IOException {
    assertAnswer(send("GET", "/admission/images", null, ""), 405, "/admission/images takes POST");
    assertAnswer(send("PUT", "/agent/v1/hello", "application/json", "{}"), 405, "takes POST");
    assertAnswer(
        send("POST", "/nothing-here", "application/json", "{}"), 404, "no endpoint /nothing-here");
  }

  @Test
  void bodiesThatAreNotJsonAreRefusedNamingTheContentType() throws IOException {
    assertAnswer(
        send("POST", "/admission/images", "text/plain", "{}"),
        415,
        "takes content type application/json, not 'text/plain'");
    assertAnswer(send("POST", "/mutate/pods", null, "{}"), 415, "not none");
    assertAnswer(
        send("POST", "/admission/images", "application/json; charset=utf-8", "not json"),
        400,
        "AdmissionReview is not valid JSON");
    // A body that is not UTF-8 (é in Latin-1).
    byte[] body = "{\"x\":\"\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
    java.io.ByteArrayOutputStream latin1 = new java.io.ByteArrayOutputStream();
    latin1.writeBytes(
        ("POST /admission/images HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: "
                + body.length
                + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    latin1.writeBytes(body);
    assertAnswer(exchange(latin1.toByteArray()), 400, "AdmissionReview");
  }

  @Test
  void oversizedBodiesAreRefusedBeforeTheHandlerReadsThem() throws IOException {
    long size = JsonEndpoint.BODY_LIMIT + 1;
    try (SSLSocket s = tls()) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /admission/images HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + size
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) ' ');
      try {
        for (long sent = 0; sent < size; sent += chunk.length) {
          out.write(chunk, 0, (int) Math.min(chunk.length, size - sent));
        }
        out.flush();
      } catch (IOException e) {
        // the server may answer and close before the whole body is sent
      }
      assertAnswer(readAll(s.getInputStream()), 413, "exceeds " + JsonEndpoint.BODY_LIMIT);
    }
  }

  @Test
  void tornRequestsPlainHttpAndHttp2PrefacesAreDroppedQuietly() throws Exception {
    // A body cut short by a client that goes away.
    try (SSLSocket s = tls()) {
      s.getOutputStream()
          .write(
              ("POST /admission/images HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      + "Content-Length: 1000\r\n\r\n{\"apiVersion\":")
                  .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
    }
    // Plain HTTP on the TLS port.
    try (Socket plain = new Socket(base().getHost(), base().getPort())) {
      plain.setSoTimeout(10_000);
      plain
          .getOutputStream()
          .write(
              request("POST", "/admission/images", "application/json", "{}")
                  .getBytes(StandardCharsets.US_ASCII));
      readAll(plain.getInputStream());
    }
    // An HTTP/2 connection preface without ALPN: refused with an error status, or closed.
    String answer =
        exchange("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertTrue(answer.isEmpty() || answer.matches("(?s)HTTP/\\S+ [45]\\d\\d .*"), answer);
    // Header junk.
    answer = exchange("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertTrue(answer.isEmpty() || answer.matches("(?s)HTTP/\\S+ 400 .*"), answer);
    // And the server still answers well-formed requests.
    assertAnswer(
        send("POST", "/admission/images", "application/json", "{}"), 400, "AdmissionReview");
    Thread.sleep(500); // let the server log, if it were to, before the check after the test
  }

  @Test
  void aSilentClientDoesNotHoldUpOthers() throws IOException {
    try (SSLSocket idle = tls()) {
      // Connected and silent; another client is served meanwhile.
      assertAnswer(
          send("POST", "/admission/images", "application/json", "{}"), 400, "AdmissionReview");
      assertTrue(idle.isConnected());
    }
  }
}
