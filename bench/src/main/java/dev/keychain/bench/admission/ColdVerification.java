package dev.keychain.bench.admission;

import dev.keychain.bench.LoadRun;
import dev.keychain.core.attest.AttestationRequirement;
import dev.keychain.core.attest.PredicateCondition;
import dev.keychain.core.attest.PredicateTypes;
import dev.keychain.core.keys.KeyIds;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.core.signers.ImageSignatureVerifier;
import dev.keychain.core.signers.SignerPolicy;
import dev.keychain.core.signers.TrustedSigner;
import dev.keychain.core.signers.Verdict;
import dev.keychain.core.tls.TrustBundles;
import dev.keychain.core.tuf.NotaryServerSource;
import dev.keychain.core.tuf.NotaryVerifier;
import dev.keychain.testing.fixtures.ContentTrustScenario;
import dev.keychain.testing.fixtures.Cosign;
import dev.keychain.testing.fixtures.NotaryServer;
import dev.keychain.testing.fixtures.Notation;
import dev.keychain.testing.fixtures.OciRegistry;
import dev.keychain.testing.fixtures.TestImages;
import dev.keychain.testing.fixtures.TestPki;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Cold signature verification per format, beside the real CLI verifying the same image in the same
 * run: Docker Content Trust (our TUF verification of a fresh repository view, tag resolved at the
 * registry) against {@code notary lookup} with an empty trust directory, and cosign (signature
 * artifact fetched and checked) against {@code cosign verify --key}, and a required SLSA provenance
 * attestation (signature and attestation checked, builder and source matched) against {@code cosign
 * verify-attestation --key} (which checks the attestation only). Nothing is cached between
 * iterations on either side; the CLIs also pay their process start, which is what a user of them
 * pays per check. Registry and notary-server run on loopback.
 *
 * <p>Usage: {@code bench/run-cold-verification.sh [iterations]}.
 */
public final class ColdVerification {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String BUILDER = "https://github.com/example/.github/workflows/release.yml";
  private static final String REPOSITORY = "https://github.com/example/app";

  private ColdVerification() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    Path work = Files.createTempDirectory("keychain-cold-verification-");
    try (OciRegistry registry = OciRegistry.start(work.resolve("registry"));
        NotaryServer notary = NotaryServer.start(work.resolve("notary"))) {
      ContentTrustScenario dct = ContentTrustScenario.publish(registry, notary, work, "1.0.1");
      Cosign cosign = Cosign.locate(work.resolve("cosign"));
      KeyPair carol = TestPki.create("carol").clientCertificate("carol").keys();
      Path carolKey = work.resolve("carol.pem");
      Files.writeString(carolKey, TestPki.pem(carol.getPrivate()));
      cosign.importKey(carolKey, "carol");
      Path carolPub = work.resolve("cosign/carol.pub");
      String carolPem = Files.readString(carolPub);
      TestImages.Pushed cosigned = registry.pushTestImage("cosign/app", "v1", "cosigned");
      cosign.sign(work.resolve("cosign/carol.key"), cosigned.digestReference());
      TestImages.Pushed attested = registry.pushTestImage("cosign/built", "v1", "attested");
      cosign.sign(work.resolve("cosign/carol.key"), attested.digestReference());
      Path provenance = work.resolve("provenance.json");
      Files.writeString(
          provenance,
          "{\"buildDefinition\":{\"externalParameters\":{\"workflow\":{\"repository\":\""
              + REPOSITORY
              + "\"}}},\"runDetails\":{\"builder\":{\"id\":\""
              + BUILDER
              + "\"}}}");
      cosign.attest(
          work.resolve("cosign/carol.key"),
          provenance,
          "slsaprovenance1",
          attested.digestReference());

      ImageReference dctImage = ImageReference.parse(dct.legit().tagReference());
      String aliceId =
          KeyIds.notaryCanonicalId(PublicKeys.fromPem(Files.readString(dct.aliceCertificate())));
      SignerPolicy alice =
          new SignerPolicy(
              List.of(new TrustedSigner("alice", aliceId, Optional.empty())),
              SignerPolicy.Rule.ANY,
              1);
      ImageReference cosignImage = ImageReference.parse(cosigned.tagReference());
      SignerPolicy carolPolicy =
          new SignerPolicy(
              List.of(
                  new TrustedSigner(
                      "carol",
                      KeyIds.spkiFingerprint(PublicKeys.fromPem(carolPem)),
                      Optional.of(PublicKeys.fromPem(carolPem)))),
              SignerPolicy.Rule.ANY,
              1);
      Notation notation = Notation.locate(work.resolve("notation"));
      Path releaseCert = notation.generateTestKey("release");
      TestImages.Pushed notarized = registry.pushTestImage("notation/app", "v1", "notarized");
      notation.sign("release", "jws", notarized.digestReference());
      notation.trust("bench", releaseCert, registry.hostPort() + "/notation/app", "*");
      ImageReference notationImage = ImageReference.parse(notarized.tagReference());
      SignerPolicy releasePolicy =
          SignerPolicy.any(
              List.of(
                  new TrustedSigner(
                      "release",
                      KeyIds.spkiFingerprint(PublicKeys.fromPem(Files.readString(releaseCert))),
                      Optional.empty())));
      ImageReference attestedImage = ImageReference.parse(attested.tagReference());
      SignerPolicy carolWithProvenance =
          carolPolicy.requiring(
              List.of(
                  new AttestationRequirement(
                      "slsaprovenance1",
                      PredicateTypes.SLSA_PROVENANCE_V1,
                      Set.of(),
                      List.of(
                          PredicateCondition.builderId(PredicateTypes.SLSA_PROVENANCE_V1, BUILDER),
                          PredicateCondition.sourceRepository(
                              PredicateTypes.SLSA_PROVENANCE_V1, REPOSITORY)))));
      var notaryTls = Optional.of(TrustBundles.trusting(notary.pki().caPem()));
      String rootKeyId = dct.publisher().rootKeyId();

      // Warm the JIT on both paths (not measured).
      for (int i = 0; i < 20; i++) {
        verifyDct(dctImage, notary, notaryTls, rootKeyId, alice);
        verifyCosign(cosignImage, carolPolicy);
        verifyCosign(attestedImage, carolWithProvenance);
        verifyNotation(notationImage, releasePolicy);
      }
      LoadRun.Result ours =
          LoadRun.runCount(
              "Notary v1: operator (cold)",
              n,
              i -> verifyDct(dctImage, notary, notaryTls, rootKeyId, alice));
      LoadRun.Result notaryCli =
          LoadRun.runCount(
              "Notary v1: notary lookup CLI",
              n,
              i -> {
                try {
                  Path dir = Files.createTempDirectory(work, "trust-");
                  return notary
                      .client(dir)
                      .run("lookup", dct.gun(), dct.legit().tag())
                      .contains(dct.legit().digest().substring("sha256:".length()));
                } catch (Exception e) {
                  LoadRun.FIRST_ERROR.compareAndSet(null, e.toString());
                  return false;
                }
              });
      LoadRun.Result oursCosign =
          LoadRun.runCount(
              "cosign: operator (cold)", n, i -> verifyCosign(cosignImage, carolPolicy));
      LoadRun.Result cosignCli =
          cli(
              "cosign: cosign verify CLI",
              n,
              () -> cosign.verify(carolPub, cosigned.tagReference()));
      LoadRun.Result oursAttestation =
          LoadRun.runCount(
              "attestation: operator (cold)",
              n,
              i -> verifyCosign(attestedImage, carolWithProvenance));
      LoadRun.Result attestationCli =
          cli(
              "attestation: cosign CLI",
              n,
              () -> cosign.verifyAttestation(carolPub, "slsaprovenance1", attested.tagReference()));
      LoadRun.Result oursNotation =
          LoadRun.runCount(
              "Notation: operator (cold)", n, i -> verifyNotation(notationImage, releasePolicy));
      LoadRun.Result notationCli =
          cli("Notation: notation verify CLI", n, () -> notation.verify(notarized.tagReference()));
      LoadRun.print(
          "Cold verification per format (one client, loopback registry and notary-server)",
          "checks",
          List.of(
              ours,
              notaryCli,
              oursCosign,
              cosignCli,
              oursNotation,
              notationCli,
              oursAttestation,
              attestationCli));
      System.out.printf(
          Locale.ROOT,
          "Notary v1: operator p50 %.1f ms vs CLI %.1f ms (%.2fx the CLI's time)%n",
          ours.percentileMs(0.5),
          notaryCli.percentileMs(0.5),
          ours.percentileMs(0.5) / notaryCli.percentileMs(0.5));
      System.out.printf(
          Locale.ROOT,
          "cosign:    operator p50 %.1f ms vs CLI %.1f ms (%.2fx the CLI's time)%n",
          oursCosign.percentileMs(0.5),
          cosignCli.percentileMs(0.5),
          oursCosign.percentileMs(0.5) / cosignCli.percentileMs(0.5));
      System.out.printf(
          Locale.ROOT,
          "Notation:  operator p50 %.1f ms vs CLI %.1f ms (%.2fx the CLI's time)%n",
          oursNotation.percentileMs(0.5),
          notationCli.percentileMs(0.5),
          oursNotation.percentileMs(0.5) / notationCli.percentileMs(0.5));
      System.out.printf(
          Locale.ROOT,
          "attestation: operator p50 %.1f ms vs CLI %.1f ms (%.2fx the CLI's time)%n",
          oursAttestation.percentileMs(0.5),
          attestationCli.percentileMs(0.5),
          oursAttestation.percentileMs(0.5) / attestationCli.percentileMs(0.5));
    }
  }

  /** {@code n} runs of a CLI check, each counted as passed unless it throws. */
  private static LoadRun.Result cli(String phase, int n, Runnable check) throws Exception {
    return LoadRun.runCount(
        phase,
        n,
        i -> {
          try {
            check.run();
            return true;
          } catch (RuntimeException e) {
            LoadRun.FIRST_ERROR.compareAndSet(null, e.toString());
            return false;
          }
        });
  }

  private static RegistryClient freshRegistry() {
    return new RegistryClient(
        Optional.empty(),
        Map.of(RegistryClient.ANY_REGISTRY, new RegistryClient.Registry(true, Optional.empty())),
        TIMEOUT);
  }

  /** Everything fetched again: tag, root, timestamp, snapshot, targets and delegations. */
  private static boolean verifyDct(
      ImageReference image,
      NotaryServer notary,
      Optional<javax.net.ssl.SSLContext> tls,
      String rootKeyId,
      SignerPolicy policy) {
    NotaryVerifier verifier =
        new NotaryVerifier(
            new NotaryServerSource(URI.create(notary.url()), tls, TIMEOUT), Clock.systemUTC());
    return verify(
        image,
        policy,
        new ImageSignatureVerifier.TrustSources(Optional.of(verifier), Set.of(rootKeyId), false));
  }

  private static boolean verifyNotation(ImageReference image, SignerPolicy policy) {
    return verify(
        image,
        policy,
        new ImageSignatureVerifier.TrustSources(Optional.empty(), Set.of(), false, true));
  }

  private static boolean verifyCosign(ImageReference image, SignerPolicy policy) {
    return verify(
        image, policy, new ImageSignatureVerifier.TrustSources(Optional.empty(), Set.of(), true));
  }

  /** Resolves the tag with a fresh registry client and verifies its digest. */
  private static boolean verify(
      ImageReference image, SignerPolicy policy, ImageSignatureVerifier.TrustSources sources) {
    try {
      RegistryClient registry = freshRegistry();
      return allowed(
          new ImageSignatureVerifier(registry)
              .verify(image, registry.resolve(image), policy, sources));
    } catch (Exception e) {
      LoadRun.FIRST_ERROR.compareAndSet(null, e.toString());
      return false;
    }
  }

  private static boolean allowed(Verdict v) {
    if (!v.allowed()) {
      LoadRun.FIRST_ERROR.compareAndSet(null, v.message());
    }
    return v.allowed();
  }
}
