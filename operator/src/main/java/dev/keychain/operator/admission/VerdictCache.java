package dev.keychain.operator.admission;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keychain.core.signers.Verdict;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Bounded caches for admission: tag to digest (short TTL: tags move) and verdicts keyed by
 * whitelist generation and digest (longer TTL, bounded by how fast a revoked signature or
 * delegation must take effect). Only verdicts not forced by an unavailable source are cached.
 */
@Singleton
public class VerdictCache {
  /** A verdict's key: the whitelist at one generation, the image as written, and its digest. */
  record Key(String whitelistUid, long generation, String image, String digest) {}

  private final Cache<Key, Verdict> verdicts;
  private final Cache<String, String> digests;

  public VerdictCache(
      @ConfigProperty(name = "keychain.admission.cache.verdict-ttl", defaultValue = "5m")
          Duration verdictTtl,
      @ConfigProperty(name = "keychain.admission.cache.tag-ttl", defaultValue = "30s")
          Duration tagTtl,
      @ConfigProperty(name = "keychain.admission.cache.max-entries", defaultValue = "10000")
          long maxEntries) {
    this.verdicts =
        Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(verdictTtl).build();
    this.digests = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(tagTtl).build();
  }

  Optional<Verdict> verdict(Key key) {
    return Optional.ofNullable(verdicts.getIfPresent(key));
  }

  void put(Key key, Verdict verdict) {
    if (verdict.cacheable()) {
      verdicts.put(key, verdict);
    }
  }

  Optional<String> digest(String registryKey, String image) {
    return Optional.ofNullable(digests.getIfPresent(registryKey + " " + image));
  }

  void putDigest(String registryKey, String image, String digest) {
    digests.put(registryKey + " " + image, digest);
  }

  /** Drops every verdict of a whitelist (it changed or went away). */
  void invalidate(String whitelistUid) {
    verdicts.asMap().keySet().removeIf(k -> k.whitelistUid().equals(whitelistUid));
  }
}
