package dev.keychain.operator.admission;

import dev.keychain.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.HasMetadata;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The whitelists admission enforces, as last compiled. A whitelist is compiled again only when its
 * generation or its registry credentials change (status writes and resyncs keep the compilation,
 * its clients and its cached verdicts); replacing or removing one drops its cached verdicts.
 */
@Singleton
public class Whitelists {
  private final Map<String, CompiledWhitelist> byId = new ConcurrentHashMap<>();
  private final WhitelistCompiler compiler;
  private final VerdictCache cache;
  private final OperatorMetrics metrics;

  public Whitelists(
      VerdictCache cache,
      OperatorMetrics metrics,
      @ConfigProperty(name = "keychain.admission.upstream-timeout", defaultValue = "3s")
          Duration upstreamTimeout) {
    this.cache = cache;
    this.metrics = metrics;
    this.compiler = new WhitelistCompiler(upstreamTimeout);
  }

  /** Compiles and installs {@code wl} unless this version is installed; returns the compilation. */
  public CompiledWhitelist install(HasMetadata wl, Optional<String[]> registryCredentials) {
    String id = CompiledWhitelist.id(WhitelistCompiler.namespaceOf(wl), wl.getMetadata().getName());
    CompiledWhitelist current = byId.get(id);
    if (current != null
        && current.fingerprint().equals(WhitelistCompiler.fingerprint(wl, registryCredentials))) {
      return current; // unchanged: keep its clients, tokens and cached verdicts
    }
    CompiledWhitelist compiled = compiler.compile(wl, registryCredentials);
    CompiledWhitelist previous = byId.put(compiled.id(), compiled);
    if (previous != null) {
      cache.invalidate(previous.uid());
    }
    return compiled;
  }

  /** Removes whitelist {@code namespace/name}, or cluster whitelist {@code name} (namespace ""). */
  public void remove(String namespace, String name) {
    CompiledWhitelist previous = byId.remove(CompiledWhitelist.id(namespace, name));
    metrics.forgetWhitelist(namespace, name);
    if (previous != null) {
      cache.invalidate(previous.uid());
    }
  }

  /**
   * The whitelists that govern an image named {@code imageName} in {@code namespace}: its own and
   * the cluster whitelists selecting it by {@code namespaceLabels} (only read when {@link
   * #needNamespaceLabels} says so).
   */
  List<CompiledWhitelist> governing(
      String namespace, Map<String, String> namespaceLabels, String imageName) {
    return byId.values().stream()
        .filter(w -> w.governs(namespace, namespaceLabels) && w.images().matches(imageName))
        .toList();
  }

  /** The installed whitelist {@code namespace/name} (namespace "": a cluster whitelist). */
  Optional<CompiledWhitelist> get(String namespace, String name) {
    return Optional.ofNullable(byId.get(CompiledWhitelist.id(namespace, name)));
  }

  /**
   * The whitelists that govern {@code namespace} and restrict (or evict) the running pods they no
   * longer verify.
   */
  List<CompiledWhitelist> restricting(String namespace, Map<String, String> namespaceLabels) {
    return byId.values().stream()
        .filter(w -> w.restrictsRunningPods() && w.governs(namespace, namespaceLabels))
        .toList();
  }

  /** Whether any whitelist restricts running pods (most clusters: none, and grants skip this). */
  boolean anyRestricting() {
    return byId.values().stream().anyMatch(CompiledWhitelist::restrictsRunningPods);
  }

  /** Whether any whitelist governs some image in {@code namespace}. */
  boolean anyIn(String namespace, Map<String, String> namespaceLabels) {
    return byId.values().stream().anyMatch(w -> w.governs(namespace, namespaceLabels));
  }

  /** Whether some cluster whitelist selects namespaces by label, so labels must be known. */
  boolean needNamespaceLabels() {
    return byId.values().stream().anyMatch(CompiledWhitelist::selective);
  }
}
