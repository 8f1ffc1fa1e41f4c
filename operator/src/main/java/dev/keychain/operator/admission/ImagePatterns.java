package dev.keychain.operator.admission;

import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryHosts;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Image name patterns of a whitelist, matched against an image's canonical {@code
 * registry/repository} (no tag; see {@link RegistryHosts}): {@code *} matches within one path
 * segment, {@code **} across segments, everything else literally. A pattern's registry part is made
 * canonical the same way when it has no wildcard (and lower-cased when it has), so {@code
 * 127.0.0.1:5000/app/*} and {@code LOCALHOST:5000/app/*} govern the same images.
 */
final class ImagePatterns {
  private final List<Pattern> patterns;

  ImagePatterns(List<String> globs) {
    this.patterns =
        globs.stream().map(ImagePatterns::canonical).map(ImagePatterns::compile).toList();
  }

  /** The pattern with its registry part in canonical form (see the class comment). */
  static String canonical(String glob) {
    int slash = glob.indexOf('/');
    if (slash <= 0) {
      return glob;
    }
    String host = glob.substring(0, slash);
    String rest = glob.substring(slash + 1);
    if (host.contains("*")) {
      return host.toLowerCase(Locale.ROOT) + "/" + rest;
    }
    String canonical;
    try {
      canonical = RegistryHosts.canonical(host);
    } catch (IllegalArgumentException e) {
      return glob; // matches nothing canonical; the CRD schema refuses most such patterns
    }
    if (canonical.equals(ImageReference.DEFAULT_REGISTRY)
        && !rest.contains("/")
        && !rest.contains("**")) {
      rest = "library/" + rest; // as an image docker.io/nginx is docker.io/library/nginx
    }
    return canonical + "/" + rest;
  }

  boolean matches(String imageName) {
    for (Pattern p : patterns) {
      if (p.matcher(imageName).matches()) {
        return true;
      }
    }
    return false;
  }

  static Pattern compile(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          re.append(".*");
          i++;
        } else {
          re.append("[^/]*");
        }
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
