package dev.keychain.operator.admission;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Image name patterns of a whitelist, matched against {@code registry/repository} (no tag): {@code
 * *} matches within one path segment, {@code **} across segments, everything else literally.
 */
final class ImagePatterns {
  private final List<Pattern> patterns;

  ImagePatterns(List<String> globs) {
    this.patterns = globs.stream().map(ImagePatterns::compile).toList();
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
