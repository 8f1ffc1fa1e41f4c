package dev.keychain.operator.admission;

import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.metrics.OperatorMetrics;
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
  public CompiledWhitelist install(SignerWhitelist wl, Optional<String[]> registryCredentials) {
    String id = wl.getMetadata().getNamespace() + "/" + wl.getMetadata().getName();
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

  public void remove(String namespace, String name) {
    CompiledWhitelist previous = byId.remove(namespace + "/" + name);
    metrics.forgetWhitelist(namespace, name);
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
}
