package dev.keychain.bench.auth;

import dev.keychain.core.auth.AgentHandshake;
import dev.keychain.core.auth.GrantDecider;
import dev.keychain.core.auth.GrantedKey;
import dev.keychain.core.auth.GrantedShare;
import dev.keychain.core.auth.MasterHandshake;
import dev.keychain.core.auth.MasterIdentity;
import dev.keychain.core.auth.MasterTrust;
import dev.keychain.core.auth.ReplayCache;
import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.KeyDerivation;
import dev.keychain.core.chain.SubKeyDeriver;
import dev.keychain.core.chain.SubKeyEpochs;
import dev.keychain.core.chain.SubKeySize;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.share.OneTimeKeys;
import dev.keychain.core.share.SealedItem;
import dev.keychain.core.share.ShareBinding;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The full mutual-authentication handshake, both sides in one process (target p50 < 2 ms), beside
 * its irreducible public-key cost measured in the same run (the reference).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HandshakeBenchmark {
  private final Clock clock = Clock.systemUTC();
  private final Duration skew = Duration.ofSeconds(30);
  private MasterIdentity identity;
  private MasterTrust trust;
  private ReplayCache replayCache;
  private SubKeyDeriver deriver;
  private KeyPair signer;
  private final SecureRandom random = new SecureRandom();
  private Ed25519PrivateKeyParameters edSigner;
  private static final ShareBinding SHARE =
      new ShareBinding("shop", "web", "db", 1, List.of("billing/api"));
  private final byte[] item = new byte[64];

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    KeyPair ca = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    signer = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    X509Certificate caCert = certificate("CN=ca", "CN=ca", ca, ca);
    X509Certificate leaf = certificate("CN=operator", "CN=ca", signer, ca);
    identity = new MasterIdentity(signer.getPrivate(), List.of(leaf));
    trust = MasterTrust.of(caCert);
    replayCache = new ReplayCache(skew, 10_000_000);
    Instant now = Instant.now();
    ChainKey group =
        KeyDerivation.group(
            KeyDerivation.root(KeyDerivation.newSession("b", now), 0, now), "A", 0, now);
    deriver = new SubKeyDeriver(group, SubKeySize.BITS_128);
    edSigner = new Ed25519PrivateKeyParameters(random);
  }

  private static X509Certificate certificate(
      String subject, String issuer, KeyPair keys, KeyPair by) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(
            new JcaX509v3CertificateBuilder(
                    new X500Name(issuer),
                    BigInteger.valueOf(System.nanoTime()),
                    Date.from(Instant.now().minusSeconds(60)),
                    Date.from(Instant.now().plus(Duration.ofDays(1))),
                    new X500Name(subject),
                    keys.getPublic())
                .build(new JcaContentSignerBuilder("Ed25519").build(by.getPrivate())));
  }

  @Benchmark
  public GrantedKey fullHandshake() throws Exception {
    AgentHandshake agent = new AgentHandshake("token", trust, clock, skew, Optional.empty());
    MasterHandshake master = new MasterHandshake(identity, replayCache, clock, skew);
    GrantDecider decider =
        token ->
            new GrantDecider.Grant(
                deriver.derive("ns/pod-0", 0, Instant.now()),
                new SubKeyEpochs(0, 0, 0),
                Instant.now().plusSeconds(3600));
    GrantedKey key =
        agent.onGrant(
            master.onConfirm(agent.onMasterHello(master.onHello(agent.start())), decider));
    key.key().destroy();
    return key;
  }

  /**
   * The same handshake answered with a grant bundle carrying one share version: per call a fresh
   * one-time key and a 64-byte item sealed under it (standing in for the operator's envelope open
   * of the stored key), the key encrypted under the session, the bundle's MAC; the agent verifies
   * it all and opens the item. Compared with {@link #fullHandshake}: what delivery adds.
   */
  @Benchmark
  public AgentHandshake.Granted fullHandshakeWithOneShare() throws Exception {
    AgentHandshake agent = new AgentHandshake("token", trust, clock, skew, Optional.empty());
    MasterHandshake master = new MasterHandshake(identity, replayCache, clock, skew);
    GrantDecider decider =
        token -> {
          SecretBytes otk = OneTimeKeys.fresh(SHARE);
          return new GrantDecider.Grant(
              deriver.derive("ns/pod-0", 0, Instant.now()),
              new SubKeyEpochs(0, 0, 0),
              Instant.now().plusSeconds(3600),
              List.of(
                  new GrantDecider.ShareDelivery(SHARE, otk, SealedItem.seal(otk, item, SHARE))),
              List.of());
        };
    AgentHandshake.Granted granted =
        agent.onBundle(
            master.onConfirmWithShares(
                agent.onMasterHello(master.onHello(agent.start())), decider));
    granted.key().key().destroy();
    granted.shares().forEach(GrantedShare::close);
    return granted;
  }

  /**
   * Reference: the public-key operations a handshake cannot avoid, with the same (BouncyCastle)
   * code: two ephemeral X25519 keys and agreements, one Ed25519 signature and one verification.
   */
  @Benchmark
  public boolean referenceKeyAgreementsAndSignature() {
    X25519PrivateKeyParameters a = new X25519PrivateKeyParameters(random);
    X25519PrivateKeyParameters b = new X25519PrivateKeyParameters(random);
    byte[] one = new byte[32];
    byte[] two = new byte[32];
    X25519Agreement agreement = new X25519Agreement();
    agreement.init(a);
    agreement.calculateAgreement(b.generatePublicKey(), one, 0);
    agreement.init(b);
    agreement.calculateAgreement(a.generatePublicKey(), two, 0);
    Ed25519Signer sign = new Ed25519Signer();
    sign.init(true, edSigner);
    sign.update(one, 0, 32);
    byte[] sig = sign.generateSignature();
    Ed25519Signer verify = new Ed25519Signer();
    verify.init(false, edSigner.generatePublicKey());
    verify.update(two, 0, 32);
    return verify.verifySignature(sig);
  }
}
