package dev.keychain.agent;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The agent's configuration, from its environment (set by the injection webhook). */
record AgentConfig(
    URI operatorUrl,
    String caBundlePem,
    Path tokenFile,
    Path keyDir,
    String instance,
    int watchSeconds,
    Duration clockSkew,
    Duration maxBackoff) {

  static AgentConfig fromEnvironment(Map<String, String> env) {
    String url = required(env, "KEYCHAIN_OPERATOR_URL");
    URI uri;
    try {
      uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("KEYCHAIN_OPERATOR_URL is not a URL: " + url);
    }
    if (!"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException("KEYCHAIN_OPERATOR_URL must be https, not " + url);
    }
    if (uri.getHost() == null) {
      // java.net.URI leaves the host empty when the authority is not a valid server name and port
      // (a trailing hyphen, a port with a dot): the agent would only fail later, obscurely.
      throw new IllegalArgumentException(
          "KEYCHAIN_OPERATOR_URL has no valid host name and port: " + url);
    }
    String bundle = env.get("KEYCHAIN_CA_BUNDLE");
    if (bundle == null || bundle.isBlank()) {
      String caFile = env.get("KEYCHAIN_CA_FILE");
      if (caFile == null || caFile.isBlank()) {
        throw new IllegalArgumentException(
            "neither KEYCHAIN_CA_BUNDLE nor KEYCHAIN_CA_FILE is set: one must hold the operator's"
                + " CA");
      }
      Path file = path(env, "KEYCHAIN_CA_FILE");
      try {
        bundle = Files.readString(file);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read KEYCHAIN_CA_FILE " + file + ": " + e.getMessage());
      }
    }
    return new AgentConfig(
        uri,
        bundle,
        path(env, "KEYCHAIN_TOKEN_FILE"),
        path(env, "KEYCHAIN_KEY_DIR"),
        env.getOrDefault("KEYCHAIN_INSTANCE", "?"),
        integer(env, "KEYCHAIN_WATCH_SECONDS", 30, 1, 60),
        Duration.ofSeconds(integer(env, "KEYCHAIN_CLOCK_SKEW_SECONDS", 30, 1, 600)),
        Duration.ofSeconds(integer(env, "KEYCHAIN_MAX_BACKOFF_SECONDS", 30, 1, 600)));
  }

  private static Path path(Map<String, String> env, String name) {
    String value = required(env, name);
    try {
      return Path.of(value);
    } catch (java.nio.file.InvalidPathException e) {
      throw new IllegalArgumentException(name + " is not a path: " + e.getReason());
    }
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is not set");
    }
    return value;
  }

  private static int integer(Map<String, String> env, String name, int dflt, int min, int max) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n < min || n > max) {
        throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", is " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is not a number: " + value);
    }
  }
}
