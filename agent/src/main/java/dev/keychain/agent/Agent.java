package dev.keychain.agent;

import dev.keychain.core.auth.AgentApi;
import dev.keychain.core.auth.AgentHandshake;
import dev.keychain.core.auth.AuthFailure;
import dev.keychain.core.auth.GrantedKey;
import dev.keychain.core.auth.GrantedShare;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The agent's behaviour. {@link #enrol} (init container): handshake until a key is granted, then
 * exit; exit without one when the pod's images are not verified (the pod may run, keyless). {@link
 * #run} (sidecar): keep the key current: handshake again when the watch reports a change or the key
 * nears its expiry; wipe it on an authenticated restriction or when the pod's images are not
 * verified (and take it back when that ends) or revocation (then exit); keep serving it while the
 * operator is merely unreachable, until it expires. Every line it logs names key IDs and epochs
 * only.
 */
final class Agent {
  /** Exit codes. */
  static final int OK = 0;

  static final int CONFIGURATION = 2;
  static final int AUTHENTICATION = 3;
  static final int REVOKED = 4;

  private final AgentConfig config;
  private final OperatorClient operator;
  private final KeyFiles files;
  private final ShareFiles shares;
  private final Clock clock;
  private final PrintStream log;
  private Duration backoff = Duration.ofMillis(500);
  private boolean enrolling;

  Agent(AgentConfig config, OperatorClient operator, Clock clock, PrintStream log) {
    this.config = config;
    this.operator = operator;
    this.files = new KeyFiles(config.keyDir());
    this.shares = new ShareFiles(config.keyDir().resolve("shares"));
    this.clock = clock;
    this.log = log;
  }

  /** Thrown to end the agent with an exit code and a message. */
  static final class Exit extends Exception {
    final int code;

    Exit(int code, String message) {
      super(message);
      this.code = code;
    }
  }

  int enrol() throws InterruptedException {
    enrolling = true;
    try {
      while (true) {
        if (attempt()) {
          return OK;
        }
        pause();
      }
    } catch (Exit e) {
      log("exit " + e.code + ": " + e.getMessage());
      return e.code;
    }
  }

  int run() throws InterruptedException {
    String state = "";
    boolean due = files.held().isEmpty();
    try {
      while (true) {
        Optional<KeyFiles.Held> held = files.held();
        if (held.isPresent() && refreshDue(held.get())) {
          due = true;
        }
        if (due) {
          if (attempt()) {
            due = false;
          } else {
            expireIfDue();
          }
        }
        try {
          AgentApi.WatchResponse w =
              operator.watch(
                  token(), state, due ? Math.min(5, config.watchSeconds()) : watchSeconds());
          if (w.changed()) {
            if (!state.isEmpty()) {
              log("instance " + config.instance() + " changed; handshaking again");
            }
            state = w.state();
            due = true;
          }
          backoff = Duration.ofMillis(500);
        } catch (IOException | AuthFailure e) {
          log("watch failed: " + describe(e));
          expireIfDue();
          pause();
        }
      }
    } catch (Exit e) {
      log("exit " + e.code + ": " + e.getMessage());
      return e.code;
    }
  }

  /** One handshake; true if a key is held afterwards. */
  private boolean attempt() throws Exit {
    Optional<KeyFiles.Held> held = files.held();
    OperatorClient.Outcome outcome;
    try {
      outcome = operator.handshake(token(), held.map(KeyFiles.Held::epochs));
    } catch (IOException e) {
      log("operator unreachable: " + describe(e));
      return false;
    } catch (AuthFailure e) {
      throw new Exit(AUTHENTICATION, "operator could not be authenticated: " + e.getMessage());
    }
    if (outcome instanceof OperatorClient.Outcome.Granted granted) {
      try (var key = granted.key().key()) {
        GrantedKey g = granted.key();
        boolean changed = held.isEmpty() || !held.get().keyId().equals(g.keyId().hex());
        files.write(g);
        syncShares(granted.shares());
        if (changed) {
          log(
              "key "
                  + g.keyId().shortForm()
                  + " at epochs "
                  + g.epochs()
                  + " until "
                  + g.expiresAt());
        }
        backoff = Duration.ofMillis(500);
        return true;
      } catch (IOException e) {
        throw new Exit(
            CONFIGURATION, "cannot write the key to " + config.keyDir() + ": " + e.getMessage());
      }
    }
    OperatorClient.Outcome.Refused refused = (OperatorClient.Outcome.Refused) outcome;
    AuthFailure failure = refused.failure();
    switch (failure.reason()) {
      case RESTRICTED -> {
        if (refused.authenticated()) {
          wipe("restricted: " + failure.detail());
        } else {
          log("refused (unauthenticated, key kept): " + failure.detail());
        }
        return false;
      }
      case IMAGES_NOT_VERIFIED -> {
        if (!refused.authenticated()) {
          log("refused (unauthenticated, key kept): " + failure.detail());
          return false;
        }
        wipe("images not verified: " + failure.detail());
        if (enrolling) {
          // the pod may run without its key; the sidecar asks again when the judgement changes
          throw new Exit(OK, "starting without a key: " + failure.detail());
        }
        return false;
      }
      case REVOKED -> {
        if (refused.authenticated()) {
          wipe("revoked: " + failure.detail());
          throw new Exit(REVOKED, "keys revoked: " + failure.detail());
        }
        log("refused (unauthenticated, key kept): " + failure.detail());
        return false;
      }
      case UNAVAILABLE, UNEXPECTED_MESSAGE, STALE_TIMESTAMP -> {
        log("operator cannot grant now (" + failure.reason() + "): " + failure.detail());
        return false;
      }
      default ->
          throw new Exit(
              AUTHENTICATION, "handshake refused (" + failure.reason() + "): " + failure.detail());
    }
  }

  /**
   * Writes the shares served and erases the rest; with no bundle (an operator that serves no
   * shares) nothing is kept, since nothing says it is still meant for this pod.
   */
  private void syncShares(Optional<AgentHandshake.Granted> bundle) throws IOException {
    try {
      ShareFiles.Changes c =
          bundle.isPresent()
              ? shares.sync(bundle.get().shares(), bundle.get().withheld())
              : new ShareFiles.Changes(List.of(), shares.wipe());
      for (GrantedShare s : bundle.map(AgentHandshake.Granted::shares).orElse(List.of())) {
        if (c.written().contains(s.id())) {
          log(
              "share "
                  + s.id()
                  + " v"
                  + s.binding().version()
                  + " under one-time key "
                  + s.keyId().shortForm());
        }
      }
      c.erased().forEach(id -> log("share " + id + " erased: no longer served to this pod"));
    } finally {
      bundle.ifPresent(b -> b.shares().forEach(GrantedShare::close));
    }
  }

  private boolean refreshDue(KeyFiles.Held held) {
    Duration life = Duration.between(held.issuedAt(), held.expiresAt());
    return !clock.instant().isBefore(held.issuedAt().plus(life.multipliedBy(2).dividedBy(3)));
  }

  private void expireIfDue() throws Exit {
    Optional<KeyFiles.Held> held = files.held();
    if (held.isPresent() && !clock.instant().isBefore(held.get().expiresAt())) {
      wipe("key " + held.get().keyId().substring(0, 16) + " expired without a refresh");
    }
  }

  private void wipe(String why) throws Exit {
    try {
      for (String id : shares.wipe()) {
        log("share " + id + " erased: " + why);
      }
      if (files.held().isPresent()) {
        files.wipe();
        log("key wiped: " + why);
      } else {
        files.wipe();
        log("no key: " + why);
      }
    } catch (IOException e) {
      throw new Exit(
          CONFIGURATION, "cannot wipe the key in " + config.keyDir() + ": " + e.getMessage());
    }
  }

  private int watchSeconds() {
    return config.watchSeconds();
  }

  private String token() throws Exit {
    try {
      // Re-read every time: the kubelet rotates the projected token.
      return Files.readString(config.tokenFile(), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new Exit(
          CONFIGURATION, "cannot read token " + config.tokenFile() + ": " + e.getMessage());
    }
  }

  private void pause() throws InterruptedException {
    Thread.sleep(backoff.toMillis());
    backoff = backoff.multipliedBy(2);
    if (backoff.compareTo(config.maxBackoff()) > 0) {
      backoff = config.maxBackoff();
    }
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private void log(String message) {
    log.println(Instant.now(clock) + " keychain-agent " + config.instance() + ": " + message);
    log.flush();
  }
}
