package dev.keychain.operator.admission;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.signers.Verdict;
import dev.keychain.operator.api.v1alpha1.CosignTrustSpec;
import dev.keychain.operator.api.v1alpha1.SignerSpec;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistStatus;
import dev.keychain.operator.api.v1alpha1.TrustSpec;
import dev.keychain.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The compiled whitelists and their cached verdicts survive what does not change a whitelist
 * (status writes, informer resyncs, reconciles) and are replaced by what does.
 */
class WhitelistsTest {
  private static final String DIGEST = "sha256:" + "a".repeat(64);
  private final VerdictCache cache =
      new VerdictCache(Duration.ofMinutes(5), Duration.ofSeconds(30), 100);
  private final Whitelists whitelists =
      new Whitelists(cache, new OperatorMetrics(), Duration.ofSeconds(3));

  private static SignerWhitelist whitelist(long generation) {
    return whitelist(generation, "registry.local/edge/*");
  }

  /** A cosign whitelist ns/edge of one signer, governing {@code pattern}. */
  static SignerWhitelist whitelist(long generation, String pattern) {
    SignerWhitelist wl = new SignerWhitelist();
    wl.getMetadata().setName("edge");
    wl.getMetadata().setNamespace("ns");
    wl.getMetadata().setUid("uid-1");
    wl.getMetadata().setGeneration(generation);
    wl.getMetadata().setResourceVersion("100");
    SignerSpec alice = new SignerSpec();
    alice.setName("alice");
    alice.setKeyId("a".repeat(64));
    SignerWhitelistSpec spec = new SignerWhitelistSpec();
    spec.setImages(List.of(pattern));
    spec.setSigners(List.of(alice));
    TrustSpec trust = new TrustSpec();
    CosignTrustSpec cosign = new CosignTrustSpec();
    cosign.setEnabled(true);
    trust.setCosign(cosign);
    spec.setTrust(trust);
    wl.setSpec(spec);
    return wl;
  }

  private VerdictCache.Key cacheSignedVerdict(CompiledWhitelist wl) {
    VerdictCache.Key key =
        new VerdictCache.Key(wl.uid(), wl.generation(), "registry.local/edge/app:1", DIGEST);
    cache.put(
        key,
        new Verdict(
            true,
            Verdict.Reason.SIGNED,
            key.image(),
            Optional.of(DIGEST),
            "signed",
            List.of("alice"),
            true));
    return key;
  }

  @Test
  void keepsCompilationAndVerdictsWhenOnlyStatusChanged() {
    CompiledWhitelist first = whitelists.install(whitelist(1), Optional.empty());
    VerdictCache.Key key = cacheSignedVerdict(first);

    // What the informer delivers after a status write: same generation, new resourceVersion.
    SignerWhitelist statusWritten = whitelist(1);
    statusWritten.getMetadata().setResourceVersion("101");
    statusWritten.setStatus(new SignerWhitelistStatus());
    CompiledWhitelist again = whitelists.install(statusWritten, Optional.empty());

    assertSame(first, again, "an unchanged whitelist must not be compiled again");
    assertTrue(cache.verdict(key).isPresent(), "cached verdicts must survive a status write");
  }

  @Test
  void compilesAgainAndDropsVerdictsWhenTheSpecChanged() {
    CompiledWhitelist first = whitelists.install(whitelist(1), Optional.empty());
    VerdictCache.Key key = cacheSignedVerdict(first);

    CompiledWhitelist next = whitelists.install(whitelist(2), Optional.empty());

    assertNotSame(first, next);
    assertTrue(cache.verdict(key).isEmpty(), "a new generation must not reuse old verdicts");
  }

  @Test
  void compilesAgainWhenRegistryCredentialsChanged() {
    CompiledWhitelist first =
        whitelists.install(whitelist(1), Optional.of(new String[] {"robot", "old"}));
    CompiledWhitelist same =
        whitelists.install(whitelist(1), Optional.of(new String[] {"robot", "old"}));
    CompiledWhitelist rotated =
        whitelists.install(whitelist(1), Optional.of(new String[] {"robot", "new"}));

    assertSame(first, same);
    assertNotSame(first, rotated);
  }

  @Test
  void removedWhitelistLosesItsVerdictsAndGovernsNothing() {
    CompiledWhitelist first = whitelists.install(whitelist(1), Optional.empty());
    VerdictCache.Key key = cacheSignedVerdict(first);

    whitelists.remove("ns", "edge");

    assertTrue(cache.verdict(key).isEmpty());
    assertTrue(whitelists.governing("ns", java.util.Map.of(), "registry.local/edge/app").isEmpty());
  }
}
