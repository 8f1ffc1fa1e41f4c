package dev.keychain.core.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import dev.keychain.testing.fixtures.TestPki;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OCI client against Debian's real docker-registry (plain, TLS + basic auth) and fakes. */
class RegistryClientTest {
  @TempDir Path dir;

  private static RegistryClient insecure(OciRegistry registry) {
    return new RegistryClient(
        Optional.empty(),
        Map.of(registry.hostPort(), new RegistryClient.Registry(true, Optional.empty())),
        Duration.ofSeconds(5));
  }

  @Test
  void resolvesTagsToTheDigestsItPushed() throws Exception {
    try (OciRegistry registry = OciRegistry.start(dir)) {
      TestImages.Pushed v1 = registry.pushTestImage("team/app", "v1", "one");
      RegistryClient client = insecure(registry);
      assertEquals(v1.digest(), client.resolve(ImageReference.parse(v1.tagReference())));
      RegistryClient.Manifest m = client.fetchManifest(ImageReference.parse(v1.digestReference()));
      assertArrayEquals(v1.manifest(), m.bytes());
      assertEquals(TestImages.OCI_MANIFEST, m.mediaType());

      TestImages.Pushed moved = registry.pushTestImage("team/app", "v1", "two");
      assertEquals(
          moved.digest(), client.resolve(ImageReference.parse(v1.tagReference())), "tag moved");

      RegistryException missing =
          assertThrows(
              RegistryException.class,
              () -> client.resolve(ImageReference.parse(registry.hostPort() + "/team/app:nope")));
      assertEquals(RegistryException.Reason.NOT_FOUND, missing.reason());
      assertTrue(missing.getMessage().contains("team/app:nope"), missing.getMessage());
    }
  }

  @Test
  void usesBasicCredentialsOverTlsWithACustomCa() throws Exception {
    TestPki pki = TestPki.create("registry CA");
    try (OciRegistry registry =
        OciRegistry.start(dir, Optional.of(pki), Optional.of(new String[] {"alice", "s3cret"}))) {
      TestImages.Pushed image = registry.pushTestImage("private/app", "v1", "secret");
      RegistryClient withCredentials =
          new RegistryClient(
              Optional.of(pki.trustingContext()),
              Map.of(
                  registry.hostPort(),
                  new RegistryClient.Registry(
                      false, Optional.of(new String[] {"alice", "s3cret"}))),
              Duration.ofSeconds(5));
      assertEquals(
          image.digest(), withCredentials.resolve(ImageReference.parse(image.tagReference())));

      RegistryClient anonymous =
          new RegistryClient(Optional.of(pki.trustingContext()), Map.of(), Duration.ofSeconds(5));
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () -> anonymous.resolve(ImageReference.parse(image.tagReference())));
      assertEquals(RegistryException.Reason.UNAUTHORIZED, e.reason());

      RegistryClient untrusting =
          new RegistryClient(Optional.empty(), Map.of(), Duration.ofSeconds(5));
      assertEquals(
          RegistryException.Reason.UNAVAILABLE,
          assertThrows(
                  RegistryException.class,
                  () -> untrusting.resolve(ImageReference.parse(image.tagReference())))
              .reason());
    }
  }

  @Test
  void registryThatLiesAboutContentIsCaught() throws Exception {
    String wanted = "sha256:" + "ab".repeat(32);
    HttpServer liar = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    liar.createContext(
        "/",
        exchange -> {
          byte[] body = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Docker-Content-Digest", wanted);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    liar.start();
    try {
      String host = "127.0.0.1:" + liar.getAddress().getPort();
      RegistryClient client =
          new RegistryClient(
              Optional.empty(),
              Map.of(host, new RegistryClient.Registry(true, Optional.empty())),
              Duration.ofSeconds(5));
      RegistryException pinned =
          assertThrows(
              RegistryException.class,
              () -> client.fetchManifest(ImageReference.parse(host + "/app@" + wanted)));
      assertEquals(RegistryException.Reason.DIGEST_MISMATCH, pinned.reason());
      RegistryException claimed =
          assertThrows(
              RegistryException.class,
              () -> client.resolve(ImageReference.parse(host + "/app:v1")));
      assertEquals(RegistryException.Reason.DIGEST_MISMATCH, claimed.reason());
      assertThrows(
          RegistryException.class,
          () -> client.fetchBlob(ImageReference.parse(host + "/app:v1"), wanted, 1024));
    } finally {
      liar.stop(0);
    }
  }

  @Test
  void aHundredMegabyteBlobIsRefusedAfterReadingNoMoreThanTheLimit() throws Exception {
    // A registry serving a 100 MB "signature": the client reads the caller's limit and one byte,
    // then hangs up; what the server managed to send is bounded by the sockets' buffers.
    long size = 100L * 1024 * 1024;
    java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    HttpServer huge = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    huge.createContext(
        "/",
        exchange -> {
          byte[] chunk = new byte[64 * 1024];
          try {
            exchange.sendResponseHeaders(200, size);
            for (long n = 0; n < size; n += chunk.length) {
              exchange.getResponseBody().write(chunk);
              sent.addAndGet(chunk.length);
            }
          } catch (IOException e) {
            // the client hung up
          } finally {
            exchange.close();
            done.countDown();
          }
        });
    huge.start();
    try {
      String host = "127.0.0.1:" + huge.getAddress().getPort();
      RegistryClient client =
          new RegistryClient(
              Optional.empty(),
              Map.of(host, new RegistryClient.Registry(true, Optional.empty())),
              Duration.ofSeconds(20));
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () ->
                  client.fetchBlob(
                      ImageReference.parse(host + "/app:v1"),
                      "sha256:" + "cd".repeat(32),
                      64 * 1024));
      assertEquals(RegistryException.Reason.TOO_LARGE, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains("exceeds 65536 bytes"), e.getMessage());
      assertTrue(done.await(20, java.util.concurrent.TimeUnit.SECONDS), "server still sending");
      assertTrue(sent.get() < size / 5, "the client read on: " + sent.get() + " bytes sent");
    } finally {
      huge.stop(0);
    }
  }

  @Test
  void answersABearerChallengeWithATokenFromTheRealm() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    int port = server.getAddress().getPort();
    byte[] manifest =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}"
            .getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/token",
        exchange -> {
          String query = exchange.getRequestURI().getRawQuery();
          byte[] body =
              (query.contains("scope=repository%3Ateam%2Fapp%3Apull")
                          && query.contains("service=test")
                      ? "{\"token\":\"t0k3n\"}"
                      : "{}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.createContext(
        "/v2/",
        exchange -> {
          if (!"Bearer t0k3n".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            exchange
                .getResponseHeaders()
                .set(
                    "WWW-Authenticate",
                    "Bearer realm=\"http://127.0.0.1:"
                        + port
                        + "/token\",service=\"test\",scope=\"repository:team/app:pull\"");
            exchange.sendResponseHeaders(401, -1);
          } else {
            exchange.sendResponseHeaders(200, manifest.length);
            exchange.getResponseBody().write(manifest);
          }
          exchange.close();
        });
    server.start();
    try {
      String host = "127.0.0.1:" + port;
      RegistryClient client =
          new RegistryClient(
              Optional.empty(),
              Map.of(host, new RegistryClient.Registry(true, Optional.empty())),
              Duration.ofSeconds(5));
      assertEquals(
          RegistryClient.sha256(manifest),
          client.resolve(ImageReference.parse(host + "/team/app:v1")));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void registryThatIsDownIsUnavailable() throws IOException {
    RegistryClient client =
        new RegistryClient(
            Optional.empty(),
            Map.of("127.0.0.1:9", new RegistryClient.Registry(true, Optional.empty())),
            Duration.ofSeconds(2));
    RegistryException e =
        assertThrows(
            RegistryException.class,
            () -> client.resolve(ImageReference.parse("127.0.0.1:9/app:v1")));
    assertEquals(RegistryException.Reason.UNAVAILABLE, e.reason());
  }
}
