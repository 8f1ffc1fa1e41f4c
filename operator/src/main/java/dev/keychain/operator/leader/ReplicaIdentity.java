package dev.keychain.operator.leader;

import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Who this replica is to the others: its leader-election identity carries the HTTPS address its
 * peers reach it at ({@code name@host:port}), so that whoever reads the Lease knows where the
 * leader is without another object or permission. The host is the pod IP (the chart passes it as
 * {@code POD_IP} and puts it into the serving certificate), else the webhook bind address.
 */
@Singleton
public class ReplicaIdentity {
  private final String identity;
  private final String url;

  public ReplicaIdentity(
      @ConfigProperty(name = "keychain.operator.advertise-address") Optional<String> advertise,
      @ConfigProperty(name = "keychain.webhook.host", defaultValue = "0.0.0.0") String bindHost,
      @ConfigProperty(name = "keychain.webhook.port", defaultValue = "8443") int port) {
    String host = advertise.filter(a -> !a.isBlank()).orElseGet(() -> localHost(bindHost));
    String name =
        Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isBlank()).orElse("replica");
    // A suffix per process: a restarted container must not pass for its predecessor.
    this.identity =
        name + "-" + UUID.randomUUID().toString().substring(0, 8) + "@" + hostPort(host, port);
    this.url = "https://" + hostPort(host, port);
  }

  private static String localHost(String bindHost) {
    if (!bindHost.equals("0.0.0.0") && !bindHost.equals("::")) {
      return bindHost;
    }
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (UnknownHostException e) {
      return "127.0.0.1";
    }
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** The Lease holder identity of this replica. */
  public String identity() {
    return identity;
  }

  /** The base URL peers reach this replica's HTTPS server at. */
  public String url() {
    return url;
  }

  /** The base URL in a holder identity written by {@link ReplicaIdentity}, if it is one. */
  public static Optional<String> urlOf(String holderIdentity) {
    if (holderIdentity == null) {
      return Optional.empty();
    }
    int at = holderIdentity.lastIndexOf('@');
    return at < 0 || at == holderIdentity.length() - 1
        ? Optional.empty()
        : Optional.of("https://" + holderIdentity.substring(at + 1));
  }
}
