package dev.keychain.core.signers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.notation.NotationSignatures;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.testing.fixtures.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A registry that serves the OCI referrers API with what no honest registry would store: 10,000
 * signature referrers, entries naming manifests it does not have, an index larger than the bound.
 * Debian's docker-registry has no referrers API and validates indexes on push, so this narrow test
 * serves those answers itself from a loopback HTTP server.
 */
class HostileRegistryNotationTest {
  static final byte[] IMAGE =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{},\"layers\":[]}"
          .getBytes(StandardCharsets.UTF_8);
  static final String DIGEST = sha256(IMAGE);
  HttpServer server;

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static String sha256(byte[] b) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String index(int entries, int padding) {
    StringBuilder b =
        new StringBuilder(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[");
    HexFormat hex = HexFormat.of();
    for (int i = 0; i < entries; i++) {
      byte[] d = new byte[32];
      d[0] = (byte) i;
      d[1] = (byte) (i >> 8);
      b.append(i == 0 ? "" : ",")
          .append(
              "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:")
          .append(hex.formatHex(d))
          .append("\",\"size\":700,\"artifactType\":\"")
          .append(NotationSignatures.ARTIFACT_TYPE)
          .append("\",\"annotations\":{\"pad\":\"")
          .append("x".repeat(padding))
          .append("\"}}");
    }
    return b.append("]}").toString();
  }

  /** Serves the image under tag v1 and {@code referrers} from the referrers API. */
  private Verdict verifyAgainst(String referrers) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/v2/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          if (path.equals("/v2/app/manifests/v1") || path.equals("/v2/app/manifests/" + DIGEST)) {
            send(exchange, 200, "application/vnd.oci.image.manifest.v1+json", IMAGE);
          } else if (path.equals("/v2/app/referrers/" + DIGEST)) {
            send(
                exchange,
                200,
                "application/vnd.oci.image.index.v1+json",
                referrers.getBytes(StandardCharsets.UTF_8));
          } else {
            send(
                exchange,
                404,
                "application/json",
                "{\"errors\":[]}".getBytes(StandardCharsets.UTF_8));
          }
        });
    server.start();
    String host = "127.0.0.1:" + server.getAddress().getPort();
    RegistryClient client =
        new RegistryClient(
            Optional.empty(),
            Map.of(host, new RegistryClient.Registry(true, Optional.empty())),
            Duration.ofSeconds(5));
    var key = TestPki.create("someone").caCertificate().getPublicKey();
    return new ImageSignatureVerifier(client)
        .verify(
            ImageReference.parse(host + "/app:v1"),
            DIGEST,
            SignerPolicy.any(
                List.of(
                    new TrustedSigner("someone", KeyIds.spkiFingerprint(key), Optional.empty()))),
            new ImageSignatureVerifier.TrustSources(Optional.empty(), Set.of(), false, true));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  @Test
  void readsABoundedNumberOfTenThousandReferrersAndNotesMissingManifests() throws Exception {
    Verdict v = verifyAgainst(index(10_000, 0));
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.UNSIGNED, v.reason());
    assertTrue(
        v.message().contains("referrers API lists 9984 more notation signatures than the 16 read"),
        v.message());
    assertTrue(v.message().contains(", which the registry does not have"), v.message());
  }

  @Test
  void refusesAReferrersIndexLargerThanTheBound() throws Exception {
    Verdict v = verifyAgainst(index(1_100, 4_000));
    assertFalse(v.allowed());
    assertEquals(Verdict.Reason.TRUST_DATA_INVALID, v.reason());
    assertFalse(v.cacheable());
    assertTrue(
        v.message().contains("referrers index of " + DIGEST + " exceeds 4 MiB"), v.message());
  }
}
