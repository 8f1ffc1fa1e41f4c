package dev.keychain.operator.admission;

import dev.keychain.operator.api.v1alpha1.LastDenialStatus;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The whitelists admission enforces, as the reconciler last compiled them, and the decision counts
 * the reconciler copies into their status. Replacing or removing a whitelist drops its cached
 * verdicts.
 */
@Singleton
public class Whitelists {
  /** Counts of one whitelist's decisions since the operator started. */
  public static final class Stats {
    public final AtomicLong allowed = new AtomicLong();
    public final AtomicLong denied = new AtomicLong();
    public final AtomicReference<LastDenialStatus> lastDenial = new AtomicReference<>();
  }

  private final Map<String, CompiledWhitelist> byId = new ConcurrentHashMap<>();
  private final Map<String, Stats> stats = new ConcurrentHashMap<>();
  private final WhitelistCompiler compiler;
  private final VerdictCache cache;

  public Whitelists(
      VerdictCache cache,
      @ConfigProperty(name = "keychain.admission.upstream-timeout", defaultValue = "3s")
          Duration upstreamTimeout) {
    this.cache = cache;
    this.compiler = new WhitelistCompiler(upstreamTimeout);
  }

  /** Compiles and installs {@code wl} unless this version is installed; returns the compilation. */
  public CompiledWhitelist install(SignerWhitelist wl, Optional<String[]> registryCredentials) {
    String id = wl.getMetadata().getNamespace() + "/" + wl.getMetadata().getName();
    CompiledWhitelist current = byId.get(id);
    if (current != null
        && current.registryKey().equals(WhitelistCompiler.fingerprint(wl, registryCredentials))) {
      return current; // unchanged: keep its clients, tokens and cached verdicts
    }
    CompiledWhitelist compiled = compiler.compile(wl, registryCredentials);
    CompiledWhitelist previous = byId.put(compiled.id(), compiled);
    if (previous != null) {
      cache.invalidate(previous.uid());
    }
    return compiled;
  }

  public void remove(String namespace, String name) {
    CompiledWhitelist previous = byId.remove(namespace + "/" + name);
    stats.remove(namespace + "/" + name);
    if (previous != null) {
      cache.invalidate(previous.uid());
    }
  }

  /** The whitelists of {@code namespace} that govern an image named {@code imageName}. */
  List<CompiledWhitelist> governing(String namespace, String imageName) {
    return byId.values().stream()
        .filter(w -> w.namespace().equals(namespace) && w.images().matches(imageName))
        .toList();
  }

  boolean anyIn(String namespace) {
    return byId.values().stream().anyMatch(w -> w.namespace().equals(namespace));
  }

  public Stats stats(String namespace, String name) {
    return stats.computeIfAbsent(namespace + "/" + name, k -> new Stats());
  }
}
