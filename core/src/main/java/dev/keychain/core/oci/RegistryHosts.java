package dev.keychain.core.oci;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The canonical spelling of a registry host, for policy: every spelling of one registry must be
 * governed exactly like the canonical one, or an image could escape a whitelist by writing its host
 * differently. Canonical means:
 *
 * <ul>
 *   <li>host names in lower case (DNS is case-insensitive), without a trailing dot;
 *   <li>no port when it is 443 (the HTTPS default every registry client assumes), ports without
 *       leading zeros;
 *   <li>IPv4 addresses in every form a resolver accepts ({@code 127.1}, {@code 2130706433}, {@code
 *       0x7f.0.0.1}, {@code 0177.0.0.1}) as dotted decimal; IPv6 addresses as RFC 5952 text in
 *       brackets, IPv4-mapped ones as the IPv4 address;
 *   <li>the local machine, however named ({@code localhost}, {@code *.localhost}, {@code
 *       localhost.localdomain}, {@code ip6-localhost}, {@code ip6-loopback}, 127.0.0.0/8, {@code
 *       ::1}, and the unspecified addresses 0.0.0.0 and {@code ::}, which connect to it), as {@code
 *       localhost};
 *   <li>Docker Hub's names ({@code index.docker.io}, {@code registry-1.docker.io}, {@code
 *       registry.hub.docker.com}) as {@code docker.io}.
 * </ul>
 *
 * Names that only DNS or a hosts file maps onto another registry cannot be known here; images no
 * policy governs are for the cluster's no-match setting.
 */
public final class RegistryHosts {
  public static final String LOOPBACK = "localhost";
  private static final Set<String> LOOPBACK_NAMES =
      Set.of("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback");
  private static final Set<String> DOCKER_HUB =
      Set.of("docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com");

  private RegistryHosts() {}

  /**
   * The canonical form of {@code domain} ({@code host[:port]} as it stands in an image reference):
   * what policy matches.
   *
   * @throws IllegalArgumentException naming what is wrong (an IPv6 address that does not parse, a
   *     port out of range)
   */
  public static String canonical(String domain) {
    HostPort a = parse(domain);
    String host = a.host();
    if (isLoopbackHost(host)) {
      host = LOOPBACK;
    } else if (DOCKER_HUB.contains(host) && a.port() == null) {
      host = ImageReference.DEFAULT_REGISTRY;
    }
    return a.port() == null ? host : host + ":" + a.port();
  }

  /**
   * {@code domain} as the network address it denotes, spelled one way (lower case, no trailing dot,
   * IPv4 as dotted decimal, IPv6 per RFC 5952, no port 443), without merging the names of this
   * machine or of Docker Hub: where to connect, so that every spelling of one address reaches the
   * same server.
   */
  public static String address(String domain) {
    HostPort a = parse(domain);
    return a.port() == null ? a.host() : a.host() + ":" + a.port();
  }

  /** Whether {@code domain} names this machine (see the class comment). */
  public static boolean isLoopback(String domain) {
    return isLoopbackHost(parse(domain).host());
  }

  private record HostPort(String host, String port) {}

  private static HostPort parse(String domain) {
    String host;
    String port = null;
    if (domain.startsWith("[")) {
      int close = domain.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("registry '" + domain + "': unclosed '['");
      }
      host = domain.substring(0, close + 1);
      String after = domain.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw new IllegalArgumentException("registry '" + domain + "': junk after ']'");
        }
        port = after.substring(1);
      }
    } else {
      int colon = domain.indexOf(':');
      host = colon < 0 ? domain : domain.substring(0, colon);
      port = colon < 0 ? null : domain.substring(colon + 1);
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("registry '" + domain + "': host is empty");
    }
    String p = port == null ? null : canonicalPort(domain, port);
    return new HostPort(addressHost(domain, host), "443".equals(p) ? null : p);
  }

  private static boolean isLoopbackHost(String host) {
    return LOOPBACK_NAMES.contains(host)
        || host.endsWith(".localhost")
        || host.equals("0.0.0.0")
        || host.equals("[::1]")
        || host.equals("[::]")
        || (host.startsWith("127.") && ipv4(host) != null);
  }

  private static String addressHost(String domain, String host) {
    if (host.startsWith("[")) {
      byte[] address = ipv6(domain, host.substring(1, host.length() - 1));
      if (isMappedIpv4(address)) {
        return ipv4Text(new byte[] {address[12], address[13], address[14], address[15]});
      }
      return "[" + ipv6Text(address) + "]";
    }
    String name = host.toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    byte[] v4 = ipv4(name);
    return v4 != null ? ipv4Text(v4) : name;
  }

  private static String canonicalPort(String domain, String port) {
    if (port.isEmpty() || port.length() > 10 || !port.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("registry '" + domain + "': invalid port '" + port + "'");
    }
    long n = Long.parseLong(port);
    if (n < 1 || n > 65535) {
      throw new IllegalArgumentException(
          "registry '" + domain + "': port " + port + " is out of range");
    }
    return Long.toString(n);
  }

  /**
   * An IPv4 address in any form inet_aton(3) accepts (1 to 4 parts, each decimal, 0x hex or 0
   * octal; the last part fills the remaining bytes), or null when {@code name} is not one.
   */
  static byte[] ipv4(String name) {
    String[] parts = name.split("\\.", -1);
    if (parts.length > 4) {
      return null;
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      Long v = number(parts[i]);
      if (v == null) {
        return null;
      }
      values[i] = v;
    }
    long address = 0;
    for (int i = 0; i < parts.length - 1; i++) {
      if (values[i] > 255) {
        return null;
      }
      address |= values[i] << (8 * (3 - i));
    }
    long last = values[parts.length - 1];
    int lastBytes = 5 - parts.length;
    if (last >= 1L << (8 * lastBytes)) {
      return null;
    }
    address |= last;
    return new byte[] {
      (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address
    };
  }

  private static Long number(String part) {
    if (part.isEmpty() || part.length() > 12) {
      return null;
    }
    int radix = 10;
    String digits = part;
    if (part.startsWith("0x")) {
      radix = 16;
      digits = part.substring(2);
      if (digits.isEmpty()) {
        return 0L; // "0x" alone is 0 to inet_aton
      }
    } else if (part.length() > 1 && part.startsWith("0")) {
      radix = 8;
      digits = part.substring(1);
    }
    for (char c : digits.toCharArray()) {
      if (Character.digit(c, radix) < 0) {
        return null;
      }
    }
    return Long.parseLong(digits, radix);
  }

  private static String ipv4Text(byte[] a) {
    return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
  }

  /** RFC 4291 section 2.2 text (with an optional zone, which is refused) to 16 bytes. */
  static byte[] ipv6(String domain, String text) {
    String bad = "registry '" + domain + "': invalid IPv6 address '" + text + "'";
    if (text.contains("%")) {
      throw new IllegalArgumentException(bad + " (zones are not allowed)");
    }
    String t = text.toLowerCase(Locale.ROOT);
    byte[] tail4 = null;
    int lastColon = t.lastIndexOf(':');
    if (lastColon >= 0 && t.indexOf('.', lastColon) > 0) {
      tail4 = strictIpv4(t.substring(lastColon + 1));
      if (tail4 == null) {
        throw new IllegalArgumentException(bad);
      }
      t = t.substring(0, lastColon + 1) + "0:0";
    }
    int gap = t.indexOf("::");
    if (gap >= 0 && t.indexOf("::", gap + 1) >= 0) {
      throw new IllegalArgumentException(bad);
    }
    List<String> head = groups(gap < 0 ? t : t.substring(0, gap), bad);
    List<String> tail = gap < 0 ? List.of() : groups(t.substring(gap + 2), bad);
    int missing = 8 - head.size() - tail.size();
    if ((gap < 0 && missing != 0) || (gap >= 0 && missing < 1)) {
      throw new IllegalArgumentException(bad);
    }
    List<String> all = new ArrayList<>(head);
    for (int i = 0; i < missing; i++) {
      all.add("0");
    }
    all.addAll(tail);
    byte[] out = new byte[16];
    for (int i = 0; i < 8; i++) {
      int v = Integer.parseInt(all.get(i), 16);
      out[2 * i] = (byte) (v >>> 8);
      out[2 * i + 1] = (byte) v;
    }
    if (tail4 != null) {
      System.arraycopy(tail4, 0, out, 12, 4);
    }
    return out;
  }

  private static List<String> groups(String part, String bad) {
    List<String> out = new ArrayList<>();
    if (part.isEmpty()) {
      return out;
    }
    for (String g : part.split(":", -1)) {
      if (g.isEmpty() || g.length() > 4 || !g.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        throw new IllegalArgumentException(bad);
      }
      out.add(g);
    }
    return out;
  }

  private static byte[] strictIpv4(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
        return null;
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  private static boolean isMappedIpv4(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
  }

  /** RFC 5952: lower case, no leading zeros, the longest run (2 or more) of zero groups as ::. */
  private static String ipv6Text(byte[] a) {
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(g[i]));
    }
    return out.toString();
  }
}
