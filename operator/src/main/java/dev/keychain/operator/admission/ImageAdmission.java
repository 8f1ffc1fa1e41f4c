package dev.keychain.operator.admission;

import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryException;
import dev.keychain.core.signers.Verdict;
import dev.keychain.operator.api.v1alpha1.LastDenialStatus;
import dev.keychain.operator.metrics.OperatorMetrics;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Decides whether a set of images may run in a namespace: each image governed by a whitelist there
 * or by a ClusterSignerWhitelist selecting the namespace must resolve to a digest signed as its
 * policy requires; an image no whitelist governs is denied (or, with {@code
 * keychain.admission.ungoverned-images=warn}, admitted with a warning), except the operator's own
 * agent image. Verifications run in parallel within one deadline; a timeout, an unreachable
 * registry or notary, or an unusable whitelist denies (fail closed) unless the whitelist is in
 * Audit mode.
 */
@Singleton
public class ImageAdmission {
  /** The decision for one image under one whitelist. */
  public record ImageDecision(String image, String whitelist, boolean enforce, Verdict verdict) {}

  /** The decision for a whole object. */
  public record Decision(
      boolean allowed, List<String> denials, List<String> warnings, List<ImageDecision> images) {
    public boolean governed() {
      return !images.isEmpty() || !denials.isEmpty() || !warnings.isEmpty();
    }
  }

  private final Whitelists whitelists;
  private final NamespaceLabels namespaceLabels;
  private final LastDenials lastDenials;
  private final VerdictCache cache;
  private final OperatorMetrics metrics;
  private final Duration timeout;
  private final boolean denyUngoverned;
  private final Optional<ImageReference> agentImage;
  private final ExecutorService pool;

  public ImageAdmission(
      Whitelists whitelists,
      NamespaceLabels namespaceLabels,
      LastDenials lastDenials,
      VerdictCache cache,
      OperatorMetrics metrics,
      @ConfigProperty(name = "keychain.admission.timeout", defaultValue = "8s") Duration timeout,
      @ConfigProperty(name = "keychain.admission.verify-threads", defaultValue = "16") int threads,
      @ConfigProperty(name = "keychain.admission.ungoverned-images", defaultValue = "deny")
          String ungoverned,
      @ConfigProperty(name = "keychain.agent.image") Optional<String> agentImage) {
    this.whitelists = whitelists;
    this.namespaceLabels = namespaceLabels;
    this.denyUngoverned =
        switch (ungoverned) {
          case "deny" -> true;
          case "warn" -> false;
          default ->
              throw new IllegalArgumentException(
                  "keychain.admission.ungoverned-images must be deny or warn, not '"
                      + ungoverned
                      + "'");
        };
    // The operator's own agent, which its injection webhook adds: trusted by configuration.
    this.agentImage = agentImage.map(ImageReference::parse);
    this.lastDenials = lastDenials;
    this.cache = cache;
    this.metrics = metrics;
    this.timeout = timeout;
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "image-verify");
              t.setDaemon(true);
              return t;
            });
  }

  @PreDestroy
  void stop() {
    pool.shutdownNow();
  }

  /** One image judged by one whitelist that governs it. */
  private record Judged(String image, CompiledWhitelist wl, Verdict verdict) {}

  /**
   * What governs each image and the verdicts, before anything is counted or recorded: references
   * that do not parse, images nothing governs, and a verdict per governing whitelist. {@code
   * namespaceUnknown} says why nothing could be judged.
   */
  private record Evaluation(
      Optional<String> namespaceUnknown,
      boolean anyPolicy,
      List<String> invalid,
      List<String> ungoverned,
      List<Judged> judged) {}

  private Evaluation evaluate(String namespace, Collection<String> images) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> labels = Map.of();
    if (whitelists.needNamespaceLabels()) {
      Optional<Map<String, String>> known = namespaceLabels.await(namespace, deadline);
      if (known.isEmpty()) {
        return new Evaluation(
            Optional.of(
                "namespace "
                    + namespace
                    + " is not known to the operator yet, so the ClusterSignerWhitelists that"
                    + " select namespaces by label cannot be matched; denied (fail closed), retry"),
            true,
            List.of(),
            List.of(),
            List.of());
      }
      labels = known.get();
    }
    List<String> invalid = new ArrayList<>();
    List<String> ungoverned = new ArrayList<>();
    record Pending(String image, CompiledWhitelist wl, Future<Verdict> verdict) {}
    List<Pending> pending = new ArrayList<>();
    for (String image : new LinkedHashSet<>(images)) {
      ImageReference ref;
      try {
        ref = ImageReference.parse(image);
      } catch (IllegalArgumentException e) {
        invalid.add(e.getMessage());
        continue;
      }
      List<CompiledWhitelist> governing =
          whitelists.governing(namespace, labels, ref.canonicalName());
      if (governing.isEmpty() && !isAgent(ref)) {
        ungoverned.add(image);
      }
      for (CompiledWhitelist wl : governing) {
        pending.add(new Pending(image, wl, pool.submit(() -> verify(wl, ref))));
      }
    }
    List<Judged> judged = new ArrayList<>();
    for (Pending p : pending) {
      Verdict v = await(p.verdict(), p.image(), Math.max(0, deadline - System.nanoTime()));
      judged.add(new Judged(p.image(), p.wl(), v));
    }
    return new Evaluation(
        Optional.empty(), whitelists.anyIn(namespace, labels), invalid, ungoverned, judged);
  }

  /** Decides for {@code images} of {@code object} (kind/name, for status) in {@code namespace}. */
  public Decision decide(String namespace, String object, Collection<String> images) {
    Evaluation e = evaluate(namespace, images);
    if (e.namespaceUnknown().isPresent()) {
      metrics.admissionImages.labelValues("denied", "namespace_unknown").inc();
      return new Decision(false, List.of(e.namespaceUnknown().get()), List.of(), List.of());
    }
    List<String> denials = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    List<ImageDecision> decisions = new ArrayList<>();
    for (String invalid : e.invalid()) {
      if (denyUngoverned || e.anyPolicy()) {
        denials.add(invalid + " (no policy can govern it)");
        metrics.admissionImages.labelValues("denied", "invalid_reference").inc();
      } else {
        warnings.add(invalid + " (admitted: no policy governs it)");
      }
    }
    for (String image : e.ungoverned()) {
      ungoverned(namespace, image, denials, warnings);
    }
    for (Judged j : e.judged()) {
      CompiledWhitelist wl = j.wl();
      Verdict v = j.verdict();
      decisions.add(new ImageDecision(j.image(), wl.label(), wl.enforce(), v));
      String reason = v.reason().name().toLowerCase(Locale.ROOT);
      if (v.allowed()) {
        metrics.whitelistDecisions.labelValues(wl.namespace(), wl.name(), "allowed").inc();
        metrics.admissionImages.labelValues("allowed", reason).inc();
        continue;
      }
      String message = v.message() + " (" + wl.label() + ")";
      LastDenialStatus last = new LastDenialStatus();
      last.setTime(Instant.now().toString());
      last.setNamespace(namespace);
      last.setObject(object);
      last.setMessage(message);
      lastDenials.record(wl.namespace(), wl.name(), last);
      metrics
          .whitelistDecisions
          .labelValues(wl.namespace(), wl.name(), wl.enforce() ? "denied" : "audited")
          .inc();
      if (wl.enforce()) {
        denials.add(message);
        metrics.admissionImages.labelValues("denied", reason).inc();
      } else {
        warnings.add("audit mode, would be denied: " + message);
        metrics.admissionImages.labelValues("audited", reason).inc();
      }
    }
    return new Decision(denials.isEmpty(), denials, warnings, decisions);
  }

  /**
   * The digest-pinned reference ({@code image@sha256:...}) of each of {@code images} that every
   * whitelist governing it admits as one verified digest, unless one of them turns pinning off.
   * Nothing is counted or recorded: the validating webhook decides, and finds these verdicts
   * cached.
   */
  public Map<String, String> pins(String namespace, Collection<String> images) {
    Evaluation e = evaluate(namespace, images);
    Map<String, List<Judged>> byImage = new java.util.LinkedHashMap<>();
    for (Judged j : e.judged()) {
      byImage.computeIfAbsent(j.image(), i -> new ArrayList<>()).add(j);
    }
    Map<String, String> pins = new java.util.LinkedHashMap<>();
    byImage.forEach(
        (image, judged) -> {
          Set<String> digests = new java.util.HashSet<>();
          boolean pin = !image.contains("@");
          for (Judged j : judged) {
            pin &= j.verdict().allowed() && j.wl().pinDigests() && j.verdict().digest().isPresent();
            j.verdict().digest().ifPresent(digests::add);
          }
          if (pin && digests.size() == 1) {
            pins.put(image, image + "@" + digests.iterator().next());
          }
        });
    return pins;
  }

  /** The operator's own agent image, by canonical name and tag or digest. */
  private boolean isAgent(ImageReference ref) {
    return agentImage
        .filter(
            a ->
                a.canonicalName().equals(ref.canonicalName())
                    && a.manifestReference().equals(ref.manifestReference()))
        .isPresent();
  }

  private void ungoverned(
      String namespace, String image, List<String> denials, List<String> warnings) {
    String what =
        "image "
            + image
            + ": no SignerWhitelist in namespace "
            + namespace
            + " or ClusterSignerWhitelist governs it";
    if (denyUngoverned) {
      denials.add(what + "; images no policy governs are denied (ungoverned-images: deny)");
      metrics.admissionImages.labelValues("denied", "ungoverned").inc();
    } else {
      warnings.add(what + "; admitted unverified (ungoverned-images: warn)");
      metrics.admissionImages.labelValues("allowed", "ungoverned").inc();
    }
  }

  /**
   * The verdict of {@code wl} on an image a pod runs, named by the digest it runs, within the
   * admission deadline (a timeout is an unavailable source: fail closed). Cached like admission's
   * verdicts, so a pod admitted a moment ago costs no registry call.
   */
  Verdict verifyRunning(CompiledWhitelist wl, ImageReference byDigest) {
    if (wl.unusable().isEmpty() && wl.policy().isPresent() && byDigest.digest().isPresent()) {
      // the common case, every grant of a running pod: a cached verdict, without a thread hop
      Optional<Verdict> cached = cachedVerdict(wl, byDigest, byDigest.digest().get());
      if (cached.isPresent()) {
        return cached.get();
      }
    }
    return await(pool.submit(() -> verify(wl, byDigest)), byDigest.toString(), timeout.toNanos());
  }

  /**
   * The verdict {@code f} computes, or an unavailable one if it takes longer than {@code nanos}.
   */
  private Verdict await(Future<Verdict> f, String image, long nanos) {
    try {
      return f.get(nanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      return Verdict.error(
          Verdict.Reason.UNAVAILABLE,
          image,
          Optional.empty(),
          "image "
              + image
              + ": signature verification timed out after "
              + timeout.toSeconds()
              + "s");
    } catch (ExecutionException e) {
      return Verdict.error(
          Verdict.Reason.UNAVAILABLE,
          image,
          Optional.empty(),
          "image "
              + image
              + ": signature verification failed: "
              + e.getCause().getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Verdict.error(Verdict.Reason.UNAVAILABLE, image, Optional.empty(), "interrupted");
    }
  }

  private Verdict verify(CompiledWhitelist wl, ImageReference ref) {
    if (wl.unusable().isPresent() || wl.policy().isEmpty()) {
      return Verdict.error(
          Verdict.Reason.POLICY_UNUSABLE,
          ref.toString(),
          ref.digest(),
          "image "
              + ref
              + ": whitelist is not usable: "
              + wl.unusable().orElse("no signer policy"));
    }
    String digest;
    if (ref.digest().isPresent()) {
      digest = ref.digest().get();
    } else {
      Optional<String> cached = cache.digest(wl.registryKey(), ref.toString());
      metrics.admissionCache.labelValues("tag", cached.isPresent() ? "hit" : "miss").inc();
      if (cached.isPresent()) {
        digest = cached.get();
      } else {
        long start = System.nanoTime();
        try {
          digest = wl.registry().resolve(ref);
        } catch (RegistryException e) {
          return Verdict.error(
              reasonOf(e),
              ref.toString(),
              Optional.empty(),
              "image " + ref + ": cannot resolve the tag to a digest: " + e.getMessage());
        } finally {
          metrics
              .admissionUpstream
              .labelValues("registry")
              .observe((System.nanoTime() - start) / 1e9);
        }
        cache.putDigest(wl.registryKey(), ref.toString(), digest);
      }
    }
    Optional<Verdict> cached = cachedVerdict(wl, ref, digest);
    if (cached.isPresent()) {
      return cached.get();
    }
    metrics.admissionCache.labelValues("verdict", "miss").inc();
    long start = System.nanoTime();
    Verdict v = wl.verifier().verify(ref, digest, wl.policy().get(), wl.sources());
    metrics.admissionUpstream.labelValues("signatures").observe((System.nanoTime() - start) / 1e9);
    cache.put(verdictKey(wl, ref, digest), v);
    if (v.allowed() && ref.digest().isEmpty()) {
      // The tag's digest is signed as the policy requires, so the digest is: the same image
      // pinned to it (digest pinning) finds this verdict.
      cache.put(
          new VerdictCache.Key(wl.uid(), wl.generation(), ref.name() + "@" + digest, digest), v);
    }
    return v;
  }

  /**
   * The cached verdict of {@code wl} on {@code ref} at {@code digest}; a hit is counted here, a
   * miss where the verification it leads to is made.
   */
  private Optional<Verdict> cachedVerdict(CompiledWhitelist wl, ImageReference ref, String digest) {
    Optional<Verdict> cached = cache.verdict(verdictKey(wl, ref, digest));
    cached.ifPresent(v -> metrics.admissionCache.labelValues("verdict", "hit").inc());
    return cached;
  }

  private static VerdictCache.Key verdictKey(
      CompiledWhitelist wl, ImageReference ref, String digest) {
    return new VerdictCache.Key(wl.uid(), wl.generation(), ref.toString(), digest);
  }

  private static Verdict.Reason reasonOf(RegistryException e) {
    return switch (e.reason()) {
      case NOT_FOUND -> Verdict.Reason.INVALID_IMAGE;
      case UNAVAILABLE, UNAUTHORIZED -> Verdict.Reason.UNAVAILABLE;
      case DIGEST_MISMATCH, MALFORMED, TOO_LARGE -> Verdict.Reason.TRUST_DATA_INVALID;
    };
  }
}
