package dev.keychain.operator.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.audit.AuditEvent;
import dev.keychain.core.audit.AuditUnwritableException;
import dev.keychain.core.tls.TrustBundles;
import dev.keychain.operator.leader.LeaderLocator;
import dev.keychain.operator.metrics.OperatorMetrics;
import dev.keychain.operator.webhook.WebhookCertificates;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Audit events of a replica that does not lead go to the leader, which alone holds the logs open:
 * admission decisions and agent grants happen in every replica. Events queue in order and are sent
 * in batches over HTTPS (the operator's own CA, the leader's address from its Lease identity),
 * authenticated with the replica's ServiceAccount token; {@link #forward} returns once the leader
 * has made the event durable, or after {@code keychain.audit.forward.wait} (the event then stays
 * queued and is retried until delivered). Should this replica become the leader meanwhile, queued
 * events are recorded locally instead. The queue is bounded; overflow drops the oldest, counted and
 * logged.
 */
@Singleton
public class AuditForwarder {
  public static final String PATH = "/internal/v1/audit";
  private static final Logger LOG = Logger.getLogger(AuditForwarder.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BATCH = 256;

  private record Pending(AuditEvent event, CompletableFuture<Void> done) {}

  private final LeaderLocator leader;
  private final WebhookCertificates certificates;
  private final KubernetesClient client;
  private final OperatorMetrics metrics;
  private final Path tokenFile;
  private final Duration wait;
  private final int capacity;
  private final Deque<Pending> queue = new ArrayDeque<>();
  private volatile Consumer<AuditEvent> local = e -> {};
  private Thread sender;
  private volatile boolean stopped;
  private HttpClient http;
  private String httpBundle;

  public AuditForwarder(
      LeaderLocator leader,
      WebhookCertificates certificates,
      KubernetesClient client,
      OperatorMetrics metrics,
      @ConfigProperty(
              name = "keychain.audit.forward.token-file",
              defaultValue = "/var/run/secrets/keychain.dev/replica/token")
          String tokenFile,
      @ConfigProperty(name = "keychain.audit.forward.wait", defaultValue = "PT2S") Duration wait,
      @ConfigProperty(name = "keychain.audit.forward.capacity", defaultValue = "50000")
          int capacity) {
    this.leader = leader;
    this.certificates = certificates;
    this.client = client;
    this.metrics = metrics;
    this.tokenFile = Path.of(tokenFile);
    this.wait = wait;
    this.capacity = capacity;
  }

  /** Where queued events go when this replica turns out to be the leader. */
  void recordLocallyWith(Consumer<AuditEvent> sink) {
    this.local = sink;
  }

  /** Whether another replica leads, so that events must go there. */
  boolean anotherReplicaLeads() {
    return leader.otherLeader().isPresent();
  }

  /**
   * Queues the event for the leader and waits until the leader has it durably, or at most {@code
   * keychain.audit.forward.wait} (it then stays queued and is retried).
   */
  void forward(AuditEvent event) {
    Pending pending = new Pending(event, new CompletableFuture<>());
    synchronized (queue) {
      if (queue.size() >= capacity) {
        queue.removeFirst().done().completeExceptionally(new IllegalStateException("dropped"));
        metrics.auditForwarded.labelValues("dropped").inc();
        LOG.errorf(
            "audit forwarding queue full (%d): dropped the oldest event; the leader is unreachable",
            capacity);
      }
      queue.addLast(pending);
      startSender();
      queue.notifyAll();
    }
    try {
      pending.done().get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof AuditUnwritableException unwritable) {
        throw new AuditUnwritableException(unwritable.getMessage());
      }
      // Dropped by an overflow, which was logged and counted.
    } catch (TimeoutException e) {
      // Still queued: the leader is slow or unreachable, which is not a log that cannot be written.
    }
  }

  private void startSender() {
    if (sender == null) {
      sender = new Thread(this::sendLoop, "audit-forwarder");
      sender.setDaemon(true);
      sender.start();
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    stopped = true;
    synchronized (queue) {
      if (!queue.isEmpty()) {
        LOG.warnf("shutting down with %d audit event(s) not yet at the leader", queue.size());
      }
      queue.notifyAll();
    }
  }

  private void sendLoop() {
    long backoff = 200;
    while (!stopped) {
      List<Pending> batch = new ArrayList<>();
      synchronized (queue) {
        while (queue.isEmpty() && !stopped) {
          try {
            queue.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        var it = queue.iterator();
        while (it.hasNext() && batch.size() < BATCH) {
          batch.add(it.next());
        }
      }
      if (batch.isEmpty()) {
        continue;
      }
      Optional<String> url = leader.otherLeader();
      Failure failure;
      if (url.isEmpty()) {
        // This replica leads now (or nobody does): the events are ours to record.
        failure = recordHere(batch);
      } else {
        failure = send(url.get(), batch);
      }
      if (failure == null || failure.unwritable() != null) {
        synchronized (queue) {
          for (Pending p : batch) {
            queue.remove(p);
          }
        }
        Set<Integer> unwritable = failure == null ? Set.of() : failure.indexes();
        for (int i = 0; i < batch.size(); i++) {
          if (unwritable.contains(i)) {
            // not retried: the decision it records is denied instead
            batch.get(i).done().completeExceptionally(failure.unwritable());
          } else {
            batch.get(i).done().complete(null);
          }
        }
        if (url.isPresent()) {
          metrics.auditForwarded.labelValues("recorded").inc(batch.size());
        }
        backoff = 200;
      } else {
        metrics.auditForwarded.labelValues("retried").inc(batch.size());
        LOG.warnf(
            "cannot forward %d audit event(s) to the leader at %s: %s; retrying in %d ms",
            batch.size(), url.get(), failure.why(), backoff);
        leader.invalidate();
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException e) {
          return;
        }
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /**
   * Why a batch was not recorded: {@code why} (sent again later), or the events of {@code indexes}
   * that a log that cannot be written refused, failing closed ({@code unwritable}; the rest were
   * recorded).
   */
  private record Failure(String why, Set<Integer> indexes, AuditUnwritableException unwritable) {
    static Failure retry(String why) {
      return new Failure(why, Set.of(), null);
    }
  }

  /** Records the batch in this replica's logs (it leads now). */
  private Failure recordHere(List<Pending> batch) {
    Set<Integer> unwritable = new java.util.HashSet<>();
    AuditUnwritableException last = null;
    for (int i = 0; i < batch.size(); i++) {
      try {
        local.accept(batch.get(i).event());
      } catch (AuditUnwritableException e) {
        unwritable.add(i);
        last = e;
      }
    }
    return last == null ? null : new Failure(last.getMessage(), unwritable, last);
  }

  /** Posts the batch; null when the leader recorded it all, else what happened. */
  private Failure send(String url, List<Pending> batch) {
    Optional<String> token = token();
    if (token.isEmpty()) {
      return Failure.retry(
          "no ServiceAccount token to authenticate with (" + tokenFile + " is missing)");
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("token", token.get());
    ArrayNode events = body.putArray("events");
    try {
      for (Pending p : batch) {
        events.add(JSON.readTree(p.event().canonicalJson()));
      }
      HttpResponse<String> response =
          http()
              .send(
                  HttpRequest.newBuilder(URI.create(url + PATH))
                      .timeout(Duration.ofSeconds(5))
                      .header("content-type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return Failure.retry("answered " + response.statusCode() + ": " + response.body());
      }
      var reply = JSON.readTree(response.body());
      if (!reply.path("unwritable").isArray()) {
        return null;
      }
      Set<Integer> indexes = new java.util.HashSet<>();
      reply.get("unwritable").forEach(i -> indexes.add(i.asInt()));
      String error = reply.path("error").asText("an audit log of the leader cannot be written");
      return new Failure(error, indexes, new AuditUnwritableException(error));
    } catch (IOException e) {
      return Failure.retry(e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Failure.retry("interrupted");
    }
  }

  /** The projected token (audience keychain.dev/replica) the chart mounts, else the client's. */
  private Optional<String> token() {
    try {
      if (Files.isReadable(tokenFile)) {
        return Optional.of(Files.readString(tokenFile).trim());
      }
    } catch (IOException e) {
      LOG.debugf("cannot read %s: %s", tokenFile, e.getMessage());
    }
    var config = client.getConfiguration();
    return Optional.ofNullable(config.getOauthToken())
        .or(() -> Optional.ofNullable(config.getAutoOAuthToken()))
        .filter(t -> !t.isBlank());
  }

  /** An HTTPS client trusting exactly the operator's CA bundle (rebuilt when it changes). */
  private synchronized HttpClient http() {
    String bundle = certificates.caBundlePem();
    if (http == null || !bundle.equals(httpBundle)) {
      http =
          HttpClient.newBuilder()
              .sslContext(TrustBundles.trusting(bundle))
              .connectTimeout(Duration.ofSeconds(3))
              .build();
      httpBundle = bundle;
    }
    return http;
  }
}
