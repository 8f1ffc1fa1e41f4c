package dev.keychain.core.oci;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image reference as containers use it: {@code [registry[:port]/]repository[:tag][@digest]},
 * following the distribution reference grammar with Docker's defaults (registry {@code docker.io},
 * {@code library/} for one-part names on Docker Hub, tag {@code latest}). The first path part is
 * the registry when it has a dot or a colon, is {@code localhost}, or has an upper-case letter (as
 * Docker decides). A registry host may end in a dot. Parsing is strict; errors say which part is
 * wrong. {@link #registry()} is the host as written, which is what a node contacts; policy matches
 * {@link #canonicalName()} (see {@link RegistryHosts}).
 */
public record ImageReference(
    String registry, String repository, String tag, Optional<String> digest) {
  public static final String DEFAULT_REGISTRY = "docker.io";
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");
  private static final Pattern REGISTRY =
      Pattern.compile(
          "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?");
  private static final int NAME_MAX = 255;

  public static ImageReference parse(String text) {
    if (text == null || text.isBlank() || text.length() > 1024) {
      throw new IllegalArgumentException("image reference is empty or too long");
    }
    String rest = text.trim();
    Optional<String> digest = Optional.empty();
    int at = rest.indexOf('@');
    if (at >= 0) {
      String d = rest.substring(at + 1);
      if (!DIGEST.matcher(d).matches()) {
        throw new IllegalArgumentException("image " + text + ": digest must be sha256:<64 hex>");
      }
      digest = Optional.of(d);
      rest = rest.substring(0, at);
    }
    String registry = DEFAULT_REGISTRY;
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".")
          || first.contains(":")
          || first.equals("localhost")
          || !first.equals(first.toLowerCase(java.util.Locale.ROOT))) {
        if (!REGISTRY.matcher(first).matches()) {
          throw new IllegalArgumentException(
              "image " + text + ": invalid registry '" + first + "'");
        }
        try {
          RegistryHosts.canonical(first);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("image " + text + ": " + e.getMessage());
        }
        registry = first;
        rest = rest.substring(slash + 1);
      }
    }
    String tag = "latest";
    int colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException("image " + text + ": invalid tag '" + tag + "'");
      }
    }
    if (rest.isEmpty()) {
      throw new IllegalArgumentException("image " + text + ": repository is missing");
    }
    for (String component : rest.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw new IllegalArgumentException(
            "image " + text + ": invalid repository component '" + component + "'");
      }
    }
    if (RegistryHosts.canonical(registry).equals(DEFAULT_REGISTRY) && !rest.contains("/")) {
      rest = "library/" + rest;
    }
    if (registry.length() + 1 + rest.length() > NAME_MAX) {
      throw new IllegalArgumentException(
          "image " + text + ": name is longer than " + NAME_MAX + " characters");
    }
    return new ImageReference(registry, rest, tag, digest);
  }

  /** The same repository under {@code tag}, without a digest (an artifact stored beside it). */
  public ImageReference withTag(String tag) {
    return new ImageReference(registry, repository, tag, Optional.empty());
  }

  /** The same repository and tag, pinned to {@code digest}. */
  public ImageReference withDigest(String digest) {
    return new ImageReference(registry, repository, tag, Optional.of(digest));
  }

  /** What to ask the registry for: the digest if pinned, else the tag. */
  public String manifestReference() {
    return digest.orElse(tag);
  }

  /** {@code registry/repository}, the Notary GUN of the image. */
  public String name() {
    return registry + "/" + repository;
  }

  /**
   * {@code canonical-registry/repository}: the same for every spelling of the registry's host, and
   * what policy matches.
   */
  public String canonicalName() {
    return RegistryHosts.canonical(registry) + "/" + repository;
  }

  /**
   * The Notary GUNs this image's trust data may be published under, from its canonical name only:
   * the canonical name, and for this machine also its usual addresses (a signer pushing to {@code
   * 127.0.0.1:5000} publishes under that GUN).
   */
  public java.util.List<String> notaryGuns() {
    String host = RegistryHosts.canonical(registry);
    if (!RegistryHosts.isLoopback(host)) {
      return java.util.List.of(host + "/" + repository);
    }
    String port = host.substring(RegistryHosts.LOOPBACK.length());
    return java.util.List.of(
        "127.0.0.1" + port + "/" + repository,
        RegistryHosts.LOOPBACK + port + "/" + repository,
        "[::1]" + port + "/" + repository);
  }

  @Override
  public String toString() {
    return name() + (digest.isPresent() ? "@" + digest.get() : ":" + tag);
  }
}
