package dev.keychain.core.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every spelling of one registry is the same registry to policy: generated spellings of names, IPv4
 * and IPv6 addresses and this machine give the canonical form, the same canonical image name and
 * the same Notary GUNs; different registries stay different.
 */
class RegistryHostsTest {

  /** A registry and ways of writing it that a resolver takes for the same host and port. */
  record Spelled(String canonical, List<String> spellings) {}

  @Example
  void examplesOfCanonicalForms() {
    String[][] cases = {
      {"Registry.Example.COM", "registry.example.com"},
      {"registry.example.com.", "registry.example.com"},
      {"registry.example.com:443", "registry.example.com"},
      {"registry.example.com:05000", "registry.example.com:5000"},
      {"127.0.0.1:5000", "localhost:5000"},
      {"127.1:5000", "localhost:5000"},
      {"2130706433:5000", "localhost:5000"},
      {"0x7f.0.0.1:5000", "localhost:5000"},
      {"0177.0.0.1:5000", "localhost:5000"},
      {"[::1]:5000", "localhost:5000"},
      {"[0:0:0:0:0:0:0:1]:5000", "localhost:5000"},
      {"[::ffff:127.0.0.1]:5000", "localhost:5000"},
      {"[::FFFF:7f00:1]:5000", "localhost:5000"},
      {"0.0.0.0:5000", "localhost:5000"},
      {"app.localhost:5000", "localhost:5000"},
      {"LOCALHOST.:5000", "localhost:5000"},
      {"10.1.2.3", "10.1.2.3"},
      {"10.0x1.01003", "10.1.2.3"},
      {"[2001:DB8:0:0:1:0:0:1]", "[2001:db8::1:0:0:1]"},
      {"[2001:0db8:0000:0000:0000:0000:0002:0001]:8443", "[2001:db8::2:1]:8443"},
      {"index.docker.io", "docker.io"},
      {"registry-1.docker.io:443", "docker.io"},
      {"Docker.IO.", "docker.io"},
    };
    for (String[] c : cases) {
      assertEquals(c[1], RegistryHosts.canonical(c[0]), c[0]);
    }
    assertEquals("127.0.0.1:5000", RegistryHosts.address("127.1:5000"));
    assertEquals("[::1]:5000", RegistryHosts.address("[0::1]:5000"));
    assertEquals("127.0.0.2:5000", RegistryHosts.address("127.0.0.2:5000"));
  }

  @Example
  void dockerHubSpellingsNameTheSameImage() {
    for (String image : List.of("nginx", "docker.io/nginx", "index.docker.io/library/nginx")) {
      assertEquals("docker.io/library/nginx", ImageReference.parse(image).canonicalName(), image);
    }
    assertEquals(
        "docker.io/library/nginx", ImageReference.parse("Docker.IO/nginx").canonicalName());
  }

  @Example
  void refusesMalformedHostsNamingThePart() {
    String[][] cases = {
      {"[::1::2]:5000/app", "invalid IPv6 address '::1::2'"},
      {"[fe80::1%eth0]/app", "invalid registry '[fe80::1%eth0]'"},
      {"registry.io:70000/app", "port 70000 is out of range"},
      {"registry.io:0/app", "port 0 is out of range"},
      {"[::1]x/app", "invalid registry"},
    };
    for (String[] c : cases) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(c[0]), c[0]);
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
  }

  @Property(tries = 400)
  void everySpellingOfARegistryGovernsAsItsCanonicalForm(
      @ForAll("registries") Spelled registry, @ForAll("repositories") String repository) {
    ImageReference canonical = ImageReference.parse(registry.canonical() + "/" + repository);
    for (String spelling : registry.spellings()) {
      assertEquals(registry.canonical(), RegistryHosts.canonical(spelling), spelling);
      ImageReference written = ImageReference.parse(spelling + "/" + repository + ":v1");
      assertEquals(canonical.canonicalName(), written.canonicalName(), spelling);
      assertEquals(canonical.notaryGuns(), written.notaryGuns(), spelling);
    }
  }

  @Property(tries = 300)
  void differentRegistriesStayDifferent(
      @ForAll("registries") Spelled a, @ForAll("registries") Spelled b) {
    if (a.canonical().equals(b.canonical())) {
      return;
    }
    for (String x : a.spellings()) {
      for (String y : b.spellings()) {
        assertNotEquals(RegistryHosts.canonical(x), RegistryHosts.canonical(y), x + " vs " + y);
      }
    }
  }

  @Provide
  Arbitrary<String> repositories() {
    Arbitrary<String> part =
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8);
    return part.list().ofMinSize(1).ofMaxSize(3).map(l -> String.join("/", l));
  }

  @Provide
  Arbitrary<Spelled> registries() {
    Arbitrary<Integer> port =
        Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.integers().between(1, 65535));
    Arbitrary<Long> seed = Arbitraries.longs();
    Arbitrary<Integer> kind = Arbitraries.integers().between(0, 3);
    return Combinators.combine(kind, port, seed).as(RegistryHostsTest::spelled);
  }

  private static Spelled spelled(int kind, int port, long seed) {
    Random r = new Random(seed);
    List<String> hosts = new ArrayList<>(); // spellings of the host, without the port
    String canonicalHost;
    boolean numericOnly = false; // some forms are a registry only with a port (no dot, no colon)
    switch (kind) {
      case 0 -> {
        String name = "reg" + r.nextInt(1000) + "." + (r.nextBoolean() ? "example.com" : "io");
        canonicalHost = name;
        hosts.add(name);
        hosts.add(randomCase(name, r));
        hosts.add(randomCase(name, r) + ".");
      }
      case 1 -> {
        int[] b = {1 + r.nextInt(126), r.nextInt(256), r.nextInt(256), r.nextInt(256)};
        if (b[0] == 127 || b[0] == 0) {
          b[0] = 10;
        }
        canonicalHost = b[0] + "." + b[1] + "." + b[2] + "." + b[3];
        hosts.addAll(ipv4Spellings(b, r));
        hosts.add(String.format(Locale.ROOT, "[::ffff:%d.%d.%d.%d]", b[0], b[1], b[2], b[3]));
        hosts.add(
            String.format(
                Locale.ROOT, "[0:0:0:0:0:FFFF:%x:%x]", (b[0] << 8) | b[1], (b[2] << 8) | b[3]));
      }
      case 2 -> {
        int[] g = new int[8];
        g[0] = 0x2001;
        for (int i = 1; i < 8; i++) {
          g[i] = r.nextInt(4) == 0 ? 0 : r.nextInt(0x10000);
        }
        canonicalHost = RegistryHosts.canonical(ipv6Full(g, false, r));
        hosts.add(ipv6Full(g, false, r));
        hosts.add(ipv6Full(g, true, r));
        hosts.add(ipv6Compressed(g, r));
      }
      default -> {
        canonicalHost = RegistryHosts.LOOPBACK;
        hosts.add(randomCase("localhost", r));
        hosts.add("localhost.");
        hosts.add(randomCase("app" + r.nextInt(100) + ".localhost", r));
        hosts.add("127." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256));
        hosts.add("[::1]");
        hosts.add("[0000:0:0:0:0:0:0:0001]");
        hosts.add("[::ffff:127.0.0.1]");
        hosts.add("0.0.0.0");
        hosts.add("[::]");
        hosts.addAll(ipv4Spellings(new int[] {127, 0, 0, 1}, r));
      }
    }
    List<String> spellings = new ArrayList<>();
    String canonical = port < 0 || port == 443 ? canonicalHost : canonicalHost + ":" + port;
    for (String h : hosts) {
      numericOnly = !h.contains(".") && !h.contains(":") && !h.equals("localhost");
      if (port < 0 || port == 443) {
        spellings.add(h + ":443");
        spellings.add(h + ":0443");
        if (!numericOnly && !h.equals(h.toLowerCase(Locale.ROOT)) || !numericOnly) {
          spellings.add(h);
        }
      } else {
        spellings.add(h + ":" + port);
        spellings.add(h + ":0" + port);
      }
    }
    return new Spelled(canonical, spellings);
  }

  private static List<String> ipv4Spellings(int[] b, Random r) {
    long v = ((long) b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    List<String> out = new ArrayList<>();
    out.add(part(b[0], r) + "." + part(b[1], r) + "." + part(b[2], r) + "." + part(b[3], r));
    out.add(part(b[0], r) + "." + part(b[1], r) + "." + part((b[2] << 8) | b[3], r));
    out.add(part(b[0], r) + "." + part((b[1] << 16) | (b[2] << 8) | b[3], r));
    out.add(part(v, r));
    return out;
  }

  /** A number as inet_aton reads it: decimal, 0x hex (either case) or 0 octal. */
  private static String part(long n, Random r) {
    return switch (r.nextInt(3)) {
      case 0 -> Long.toString(n);
      case 1 -> (r.nextBoolean() ? "0x" : "0X") + randomCase(Long.toHexString(n), r);
      default -> "0" + Long.toOctalString(n);
    };
  }

  private static String ipv6Full(int[] g, boolean leadingZeros, Random r) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < 8; i++) {
      if (i > 0) {
        s.append(':');
      }
      String hex =
          leadingZeros ? String.format(Locale.ROOT, "%04x", g[i]) : Integer.toHexString(g[i]);
      s.append(randomCase(hex, r));
    }
    return s.append(']').toString();
  }

  /** Compresses some run of zero groups (not necessarily the longest: any is valid text). */
  private static String ipv6Compressed(int[] g, Random r) {
    List<int[]> runs = new ArrayList<>();
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      runs.add(new int[] {i, j});
      i = j;
    }
    if (runs.isEmpty()) {
      return ipv6Full(g, false, r);
    }
    int[] run = runs.get(r.nextInt(runs.size()));
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < run[0]; i++) {
      s.append(Integer.toHexString(g[i])).append(i + 1 < run[0] ? ":" : "");
    }
    s.append("::");
    for (int i = run[1]; i < 8; i++) {
      s.append(Integer.toHexString(g[i])).append(i + 1 < 8 ? ":" : "");
    }
    return randomCase(s.append(']').toString(), r);
  }

  private static String randomCase(String s, Random r) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      out.append(r.nextBoolean() ? Character.toUpperCase(c) : c);
    }
    return out.toString();
  }
}
