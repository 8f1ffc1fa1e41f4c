package dev.keychain.core.oci;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image reference as containers use it: {@code [registry[:port]/]repository[:tag][@digest]},
 * with Docker's defaults (registry {@code docker.io}, {@code library/} for one-part names, tag
 * {@code latest}). Parsing is strict; errors say which part is wrong.
 */
public record ImageReference(
    String registry, String repository, String tag, Optional<String> digest) {
  public static final String DEFAULT_REGISTRY = "docker.io";
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");
  private static final Pattern REGISTRY =
      Pattern.compile(
          "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]{1,5})?");

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
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        if (!REGISTRY.matcher(first).matches()) {
          throw new IllegalArgumentException(
              "image " + text + ": invalid registry '" + first + "'");
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
    if (registry.equals(DEFAULT_REGISTRY) && !rest.contains("/")) {
      rest = "library/" + rest;
    }
    return new ImageReference(registry, rest, tag, digest);
  }

  /** What to ask the registry for: the digest if pinned, else the tag. */
  public String manifestReference() {
    return digest.orElse(tag);
  }

  /** {@code registry/repository}, the Notary GUN of the image. */
  public String name() {
    return registry + "/" + repository;
  }

  @Override
  public String toString() {
    return name() + (digest.isPresent() ? "@" + digest.get() : ":" + tag);
  }
}
