package dev.keychain.operator.admission;

import dev.keychain.core.attest.AttestationRequirement;
import dev.keychain.core.attest.PredicateCondition;
import dev.keychain.core.attest.PredicateTypes;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.core.oci.RegistryClient;
import dev.keychain.core.signers.ImageSignatureVerifier;
import dev.keychain.core.signers.SignerPolicy;
import dev.keychain.core.signers.TrustedSigner;
import dev.keychain.core.tls.TrustBundles;
import dev.keychain.core.tuf.NotaryServerSource;
import dev.keychain.core.tuf.NotaryVerifier;
import dev.keychain.operator.api.v1alpha1.AttestationSpec;
import dev.keychain.operator.api.v1alpha1.ClusterSignerWhitelist;
import dev.keychain.operator.api.v1alpha1.NamespaceSelectorSpec;
import dev.keychain.operator.api.v1alpha1.PredicateConditionSpec;
import dev.keychain.operator.api.v1alpha1.SignerSpec;
import dev.keychain.operator.api.v1alpha1.SignerWhitelist;
import dev.keychain.operator.api.v1alpha1.SignerWhitelistSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.security.auth.x500.X500Principal;

/**
 * Turns a SignerWhitelist or ClusterSignerWhitelist into what admission uses, collecting what it
 * could not use (a PEM that does not parse, a key ID that does not name its key, a bad CA bundle)
 * as problems. Notary verifiers are shared per server and CA so that the versions they have seen
 * (rollback protection) outlive changes to any one whitelist.
 */
final class WhitelistCompiler {
  private final Map<String, NotaryVerifier> notaryVerifiers = new ConcurrentHashMap<>();
  private final Duration upstreamTimeout;

  WhitelistCompiler(Duration upstreamTimeout) {
    this.upstreamTimeout = upstreamTimeout;
  }

  /** The spec of a SignerWhitelist or ClusterSignerWhitelist. */
  static SignerWhitelistSpec specOf(HasMetadata wl) {
    if (wl instanceof SignerWhitelist w) {
      return w.getSpec();
    }
    if (wl instanceof ClusterSignerWhitelist c) {
      return c.getSpec();
    }
    throw new IllegalArgumentException("not a whitelist: " + wl.getKind());
  }

  /** The namespace of a SignerWhitelist; "" for a ClusterSignerWhitelist. */
  static String namespaceOf(HasMetadata wl) {
    return wl instanceof ClusterSignerWhitelist ? "" : wl.getMetadata().getNamespace();
  }

  private static Optional<LabelSelector> namespaceSelectorOf(HasMetadata wl) {
    return wl instanceof ClusterSignerWhitelist c
        ? Optional.ofNullable(c.getSpec().getNamespaceSelector())
            .map(NamespaceSelectorSpec::toLabelSelector)
        : Optional.empty();
  }

  /** Compiles a SignerWhitelist or a ClusterSignerWhitelist. */
  CompiledWhitelist compile(HasMetadata wl, Optional<String[]> registryCredentials) {
    SignerWhitelistSpec spec = specOf(wl);
    List<String> problems = new ArrayList<>();
    List<TrustedSigner> signers = new ArrayList<>();
    for (SignerSpec s : spec.getSigners()) {
      try {
        signers.add(
            new TrustedSigner(
                s.getName(),
                s.getKeyId(),
                Optional.ofNullable(s.getPublicKey()).map(PublicKeys::fromPem),
                Optional.ofNullable(s.getSubject()).map(X500Principal::new)));
      } catch (IllegalArgumentException e) {
        problems.add(
            e.getMessage().startsWith("signer ")
                ? e.getMessage()
                : "signer " + s.getName() + ": " + e.getMessage());
      }
    }
    Optional<String> unusable = Optional.empty();
    Optional<SignerPolicy> policy = Optional.empty();
    String rule = spec.getPolicy() == null ? "Any" : spec.getPolicy().getRule();
    try {
      policy =
          Optional.of(
              new SignerPolicy(
                  signers,
                  SignerPolicy.Rule.valueOf(rule.toUpperCase(java.util.Locale.ROOT)),
                  spec.getPolicy() == null || spec.getPolicy().getThreshold() == null
                      ? 1
                      : spec.getPolicy().getThreshold()));
      if (rule.equals("All") && signers.size() < spec.getSigners().size()) {
        unusable =
            Optional.of(
                "policy All needs every signer, and some are not usable: "
                    + String.join("; ", problems));
        policy = Optional.empty();
      }
      if (policy.isPresent() && spec.getAttestations() != null) {
        List<AttestationRequirement> required = attestations(spec.getAttestations());
        try {
          policy = Optional.of(policy.get().requiring(required));
        } catch (IllegalArgumentException e) {
          throw new AttestationProblem(e.getMessage());
        }
      }
    } catch (AttestationProblem e) {
      // a whitelist whose required attestations cannot be checked must not admit without them
      problems.add(e.getMessage());
      unusable = Optional.of("attestations are not usable: " + e.getMessage());
      policy = Optional.empty();
    } catch (IllegalArgumentException e) {
      unusable =
          Optional.of(
              "no usable signer policy: "
                  + e.getMessage()
                  + (problems.isEmpty() ? "" : " (" + String.join("; ", problems) + ")"));
    }

    Optional<NotaryVerifier> notary = Optional.empty();
    Set<String> pins = Set.of();
    if (spec.getTrust().getNotary() != null) {
      var n = spec.getTrust().getNotary();
      try {
        Optional<SSLContext> tls = Optional.ofNullable(n.getCaBundle()).map(TrustBundles::trusting);
        String key = n.getServer() + "\n" + sha256(n.getCaBundle() == null ? "" : n.getCaBundle());
        notary =
            Optional.of(
                notaryVerifiers.computeIfAbsent(
                    key,
                    k ->
                        new NotaryVerifier(
                            new NotaryServerSource(URI.create(n.getServer()), tls, upstreamTimeout),
                            Clock.systemUTC())));
        pins = Set.copyOf(n.getRootKeyIds());
      } catch (IllegalArgumentException e) {
        problems.add("trust.notary: " + e.getMessage());
        unusable = Optional.of("trust.notary is not usable: " + e.getMessage());
      }
    }
    boolean cosign =
        spec.getTrust().getCosign() != null
            && Boolean.TRUE.equals(spec.getTrust().getCosign().getEnabled());
    boolean notation =
        spec.getTrust().getNotation() != null
            && Boolean.TRUE.equals(spec.getTrust().getNotation().getEnabled());

    var reg = spec.getRegistry();
    Optional<SSLContext> registryTls = Optional.empty();
    if (reg != null && reg.getCaBundle() != null) {
      try {
        registryTls = Optional.of(TrustBundles.trusting(reg.getCaBundle()));
      } catch (IllegalArgumentException e) {
        problems.add("registry.caBundle: " + e.getMessage());
        unusable = Optional.of("registry.caBundle is not usable: " + e.getMessage());
      }
    }
    boolean insecure = reg != null && Boolean.TRUE.equals(reg.getInsecureHttp());
    RegistryClient registry =
        new RegistryClient(
            registryTls,
            Map.of(
                RegistryClient.ANY_REGISTRY,
                new RegistryClient.Registry(insecure, registryCredentials)),
            upstreamTimeout);
    String registryKey = wl.getMetadata().getUid() + "/" + wl.getMetadata().getGeneration();
    RunningPodPolicy runningPods = RunningPodPolicy.of(spec.getRunningPods(), problems);
    return new CompiledWhitelist(
        wl.getMetadata().getUid(),
        namespaceOf(wl),
        wl.getMetadata().getName(),
        namespaceSelectorOf(wl),
        wl.getMetadata().getGeneration(),
        new ImagePatterns(spec.getImages()),
        !"Audit".equals(spec.getMode()),
        !Boolean.FALSE.equals(spec.getPinDigests()),
        runningPods,
        policy,
        new ImageSignatureVerifier.TrustSources(notary, pins, cosign, notation),
        registry,
        new ImageSignatureVerifier(registry),
        registryKey,
        fingerprint(wl, registryCredentials),
        List.copyOf(problems),
        unusable);
  }

  /** A required attestation that cannot be checked as written. */
  private static final class AttestationProblem extends IllegalArgumentException {
    AttestationProblem(String message) {
      super(message);
    }
  }

  private static List<AttestationRequirement> attestations(List<AttestationSpec> specs) {
    List<AttestationRequirement> out = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      AttestationSpec a = specs.get(i);
      String at = "attestations[" + i + "]";
      try {
        String type =
            PredicateTypes.resolve(a.getPredicateType())
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "predicateType '"
                                + a.getPredicateType()
                                + "' is neither a URI nor a cosign type name"));
        List<PredicateCondition> conditions = new ArrayList<>();
        if (a.getBuilderId() != null) {
          conditions.add(PredicateCondition.builderId(type, a.getBuilderId()));
        }
        if (a.getSourceRepository() != null) {
          conditions.add(PredicateCondition.sourceRepository(type, a.getSourceRepository()));
        }
        for (PredicateConditionSpec c :
            a.getConditions() == null ? List.<PredicateConditionSpec>of() : a.getConditions()) {
          conditions.add(PredicateCondition.at(c.getPath(), c.getEquals()));
        }
        out.add(
            new AttestationRequirement(
                a.getPredicateType(),
                type,
                Set.copyOf(a.getSigners() == null ? List.of() : a.getSigners()),
                conditions));
      } catch (IllegalArgumentException e) {
        throw new AttestationProblem(at + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** Identifies what a compilation depends on: the whitelist's generation and the credentials. */
  static String fingerprint(HasMetadata wl, Optional<String[]> credentials) {
    return wl.getMetadata().getUid()
        + "/"
        + wl.getMetadata().getGeneration()
        + "/"
        + sha256(credentials.map(c -> c[0] + "\n" + c[1]).orElse(""));
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
