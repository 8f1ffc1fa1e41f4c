package dev.keychain.core.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * A client of the OCI distribution API: resolves tags to digests, fetches manifests and blobs and
 * checks every fetched byte against its digest (a registry is not trusted). HTTPS by default, with
 * a custom CA if given; HTTP only for registries configured as insecure. Basic and bearer-token
 * authentication, answering the registry's {@code WWW-Authenticate} challenge.
 */
public final class RegistryClient {
  public static final String ACCEPT =
      String.join(
          ", ",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.docker.distribution.manifest.list.v2+json");

  /** Key of the settings that apply to every registry not listed by host. */
  public static final String ANY_REGISTRY = "*";

  static final long MAX_MANIFEST_BYTES = 4L * 1024 * 1024;
  private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  /** Per-registry settings. */
  public record Registry(boolean insecureHttp, Optional<String[]> basicCredentials) {
    public static Registry https() {
      return new Registry(false, Optional.empty());
    }
  }

  /** A manifest: its digest, media type and exact bytes. */
  public record Manifest(String digest, String mediaType, byte[] bytes) {}

  private final HttpClient http;
  private final Map<String, Registry> registries;
  private final Map<String, String> bearerTokens = new ConcurrentHashMap<>();
  private final Duration timeout;

  public RegistryClient(
      Optional<SSLContext> tls, Map<String, Registry> registries, Duration timeout) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
    tls.ifPresent(b::sslContext);
    this.http = b.build();
    // Keyed by canonical host, so that every spelling of a registry gets its settings.
    Map<String, Registry> byHost = new java.util.HashMap<>();
    registries.forEach(
        (host, r) ->
            byHost.put(host.equals(ANY_REGISTRY) ? host : RegistryHosts.canonical(host), r));
    this.registries = Map.copyOf(byHost);
    this.timeout = timeout;
  }

  /** Settings for a registry host; the entry {@code "*"}, if any, applies to all others. */
  private Registry settings(String registry) {
    Registry r = registries.get(RegistryHosts.canonical(registry));
    return r != null ? r : registries.getOrDefault(ANY_REGISTRY, Registry.https());
  }

  private URI uri(ImageReference image, String path) {
    // Where the node connects to: the address as written, spelled one way.
    String host =
        RegistryHosts.canonical(image.registry()).equals(ImageReference.DEFAULT_REGISTRY)
            ? "registry-1.docker.io"
            : RegistryHosts.address(image.registry());
    return URI.create(
        (settings(image.registry()).insecureHttp() ? "http://" : "https://") + host + path);
  }

  /** The digest the image's tag (or pinned digest) resolves to, checked against the manifest. */
  public String resolve(ImageReference image) throws RegistryException {
    return fetchManifest(image).digest();
  }

  /** The manifest the image refers to; its bytes are checked against the digest. */
  public Manifest fetchManifest(ImageReference image) throws RegistryException {
    Response r =
        send(
            image,
            "/v2/" + image.repository() + "/manifests/" + image.manifestReference(),
            ACCEPT,
            MAX_MANIFEST_BYTES);
    expectOk(image, r, "manifest " + image.manifestReference());
    byte[] body = r.body();
    if (body.length > MAX_MANIFEST_BYTES) {
      throw new RegistryException(
          RegistryException.Reason.TOO_LARGE, image + ": manifest exceeds 4 MiB");
    }
    String digest = sha256(body);
    if (image.digest().isPresent() && !image.digest().get().equals(digest)) {
      throw new RegistryException(
          RegistryException.Reason.DIGEST_MISMATCH,
          image
              + ": registry returned a manifest with digest "
              + digest
              + " for "
              + image.digest().get());
    }
    Optional<String> claimed = r.headers().firstValue("Docker-Content-Digest");
    if (claimed.isPresent() && !claimed.get().equals(digest)) {
      throw new RegistryException(
          RegistryException.Reason.DIGEST_MISMATCH,
          image
              + ": registry claims digest "
              + claimed.get()
              + " but the manifest hashes to "
              + digest);
    }
    String mediaType =
        r.headers()
            .firstValue("Content-Type")
            .map(t -> t.split(";")[0].trim())
            .orElse(mediaTypeOf(body));
    return new Manifest(digest, mediaType, body);
  }

  /**
   * The OCI referrers API's index of the artifacts whose subject is {@code digest}, filtered by
   * {@code artifactType}; empty if the registry has no referrers API (HTTP 404), so that the caller
   * falls back to the referrers tag. At most 4 MiB are read.
   */
  public Optional<byte[]> fetchReferrers(ImageReference image, String digest, String artifactType)
      throws RegistryException {
    Response r =
        send(
            image,
            "/v2/"
                + image.repository()
                + "/referrers/"
                + digest
                + "?artifactType="
                + URLEncoder.encode(artifactType, StandardCharsets.UTF_8),
            "application/vnd.oci.image.index.v1+json",
            MAX_MANIFEST_BYTES);
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    expectOk(image, r, "referrers of " + digest);
    if (r.body().length > MAX_MANIFEST_BYTES) {
      throw new RegistryException(
          RegistryException.Reason.TOO_LARGE,
          image + ": referrers index of " + digest + " exceeds 4 MiB");
    }
    return Optional.of(r.body());
  }

  /** A blob of the image's repository, checked against its digest. */
  public byte[] fetchBlob(ImageReference image, String digest, long maxBytes)
      throws RegistryException {
    Response r = send(image, "/v2/" + image.repository() + "/blobs/" + digest, "*/*", maxBytes);
    expectOk(image, r, "blob " + digest);
    if (r.body().length > maxBytes) {
      throw new RegistryException(
          RegistryException.Reason.TOO_LARGE,
          image + ": blob " + digest + " exceeds " + maxBytes + " bytes");
    }
    String actual = sha256(r.body());
    if (!actual.equals(digest)) {
      throw new RegistryException(
          RegistryException.Reason.DIGEST_MISMATCH,
          image + ": blob " + digest + " hashes to " + actual);
    }
    return r.body();
  }

  /** Sends a GET, answering one authentication challenge if the registry poses it. */
  /** A GET of which at most {@code limit} bytes (and one more, to tell) are read. */
  private Response send(ImageReference image, String path, String accept, long limit)
      throws RegistryException {
    return send(image, uri(image, path), "GET", accept, null, null, limit);
  }

  private Response send(
      ImageReference image,
      URI target,
      String method,
      String accept,
      String contentType,
      byte[] body,
      long limit)
      throws RegistryException {
    Response r =
        exchange(target, method, accept, contentType, body, authorization(image.registry()), limit);
    if (r.statusCode() == 401) {
      String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
      r =
          exchange(
              target,
              method,
              accept,
              contentType,
              body,
              Optional.of(answer(image, challenge)),
              limit);
    }
    return r;
  }

  /** Uploads a blob to the image's repository (monolithic upload); returns its digest. */
  public String pushBlob(ImageReference image, byte[] blob) throws RegistryException {
    String digest = sha256(blob);
    Response start =
        send(
            image,
            uri(image, "/v2/" + image.repository() + "/blobs/uploads/"),
            "POST",
            "*/*",
            null,
            new byte[0],
            MAX_MANIFEST_BYTES);
    if (start.statusCode() != 202) {
      expectOk(image, start, "blob upload");
      throw new RegistryException(
          RegistryException.Reason.UNAVAILABLE,
          image + ": blob upload answered HTTP " + start.statusCode());
    }
    String location =
        start
            .headers()
            .firstValue("Location")
            .orElseThrow(
                () ->
                    new RegistryException(
                        RegistryException.Reason.MALFORMED,
                        image + ": blob upload without Location"));
    URI upload = uri(image, "/").resolve(location);
    URI put = URI.create(upload + (upload.getQuery() == null ? "?" : "&") + "digest=" + digest);
    Response done =
        send(image, put, "PUT", "*/*", "application/octet-stream", blob, MAX_MANIFEST_BYTES);
    if (done.statusCode() != 201) {
      expectOk(image, done, "blob " + digest);
      throw new RegistryException(
          RegistryException.Reason.UNAVAILABLE,
          image + ": blob upload answered HTTP " + done.statusCode());
    }
    return digest;
  }

  /** Stores a manifest under {@code tag} in the image's repository; returns its digest. */
  public String pushManifest(ImageReference image, String tag, String mediaType, byte[] manifest)
      throws RegistryException {
    Response r =
        send(
            image,
            uri(image, "/v2/" + image.repository() + "/manifests/" + tag),
            "PUT",
            "*/*",
            mediaType,
            manifest,
            MAX_MANIFEST_BYTES);
    if (r.statusCode() != 201) {
      expectOk(image, r, "manifest " + tag);
      throw new RegistryException(
          RegistryException.Reason.UNAVAILABLE,
          image + ": manifest upload answered HTTP " + r.statusCode());
    }
    return sha256(manifest);
  }

  private Optional<String> authorization(String registry) {
    String token = bearerTokens.get(RegistryHosts.address(registry));
    return token == null ? Optional.empty() : Optional.of("Bearer " + token);
  }

  private String answer(ImageReference image, String challenge) throws RegistryException {
    Optional<String[]> credentials = settings(image.registry()).basicCredentials();
    if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
      if (credentials.isEmpty()) {
        throw new RegistryException(
            RegistryException.Reason.UNAUTHORIZED,
            image + ": registry requires credentials and none are configured");
      }
      return basic(credentials.get());
    }
    if (!challenge.regionMatches(true, 0, "Bearer", 0, 6)) {
      throw new RegistryException(
          RegistryException.Reason.UNAUTHORIZED, image + ": unsupported authentication challenge");
    }
    Map<String, String> params = new LinkedHashMap<>();
    Matcher m = PARAM.matcher(challenge);
    while (m.find()) {
      params.put(m.group(1), m.group(2));
    }
    String realm = params.get("realm");
    if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
      throw new RegistryException(
          RegistryException.Reason.UNAUTHORIZED,
          image + ": bearer challenge without a usable realm");
    }
    StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
    if (params.containsKey("service")) {
      url.append("service=")
          .append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8))
          .append('&');
    }
    url.append("scope=")
        .append(
            URLEncoder.encode(
                params.getOrDefault("scope", "repository:" + image.repository() + ":pull"),
                StandardCharsets.UTF_8));
    Response r =
        get(URI.create(url.toString()), "application/json", credentials.map(RegistryClient::basic));
    if (r.statusCode() != 200) {
      throw new RegistryException(
          RegistryException.Reason.UNAUTHORIZED,
          image + ": token service answered HTTP " + r.statusCode());
    }
    try {
      JsonNode json = new ObjectMapper().readTree(r.body());
      JsonNode token = json.hasNonNull("token") ? json.get("token") : json.get("access_token");
      if (token == null || !token.isTextual() || token.asText().isEmpty()) {
        throw new RegistryException(
            RegistryException.Reason.UNAUTHORIZED, image + ": token service returned no token");
      }
      bearerTokens.put(RegistryHosts.address(image.registry()), token.asText());
      return "Bearer " + token.asText();
    } catch (IOException e) {
      throw new RegistryException(
          RegistryException.Reason.MALFORMED, image + ": token response is not JSON");
    }
  }

  private static String basic(String[] credentials) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString(
                (credentials[0] + ":" + credentials[1]).getBytes(StandardCharsets.UTF_8));
  }

  private Response get(URI uri, String accept, Optional<String> authorization)
      throws RegistryException {
    return exchange(uri, "GET", accept, null, null, authorization, MAX_MANIFEST_BYTES);
  }

  private Response exchange(
      URI uri,
      String method,
      String accept,
      String contentType,
      byte[] body,
      Optional<String> authorization,
      long limit)
      throws RegistryException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Accept", accept)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    authorization.ifPresent(a -> b.header("Authorization", a));
    try {
      HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        // Never more than the caller's limit and one byte: a 100 MB "signature" costs no heap.
        byte[] content = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
        return new Response(r.statusCode(), r.headers(), content);
      }
    } catch (IOException e) {
      throw new RegistryException(
          RegistryException.Reason.UNAVAILABLE,
          uri.getHost() + ":" + uri.getPort() + " unreachable: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(RegistryException.Reason.UNAVAILABLE, "interrupted");
    }
  }

  private static void expectOk(ImageReference image, Response r, String what)
      throws RegistryException {
    switch (r.statusCode()) {
      case 200 -> {}
      case 401, 403 ->
          throw new RegistryException(
              RegistryException.Reason.UNAUTHORIZED,
              image + ": " + what + ": access denied (HTTP " + r.statusCode() + ")");
      case 404 ->
          throw new RegistryException(
              RegistryException.Reason.NOT_FOUND, image + ": " + what + " not found");
      default ->
          throw new RegistryException(
              RegistryException.Reason.UNAVAILABLE,
              image + ": " + what + ": HTTP " + r.statusCode());
    }
  }

  private static String mediaTypeOf(byte[] manifest) {
    try {
      JsonNode t = new ObjectMapper().readTree(manifest).get("mediaType");
      return t != null && t.isTextual() ? t.asText() : "application/vnd.oci.image.manifest.v1+json";
    } catch (IOException e) {
      return "application/octet-stream";
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What a request returned: status, headers and the body (read with a size bound). */
  private record Response(int statusCode, java.net.http.HttpHeaders headers, byte[] body) {}
}
