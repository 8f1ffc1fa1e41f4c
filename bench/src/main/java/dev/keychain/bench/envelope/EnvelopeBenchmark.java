package dev.keychain.bench.envelope;

import dev.keychain.core.chain.KeyId;
import dev.keychain.core.chain.KeyLevel;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.envelope.Envelope;
import dev.keychain.core.envelope.EnvelopeContext;
import dev.keychain.core.envelope.SealedKey;
import dev.keychain.core.envelope.SecretKeyProvider;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Envelope seal and open of a 256-bit key, beside one raw AES-256-GCM encryption (reference). */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EnvelopeBenchmark {
  private SecretKeyProvider kek;
  private SecretBytes key;
  private SecretBytes share;
  private EnvelopeContext context;
  private SealedKey sealed;
  private SecretKeySpec rawKey;
  private final byte[] nonce = new byte[12];
  private final byte[] plaintext = new byte[32];
  private final SecureRandom random = new SecureRandom();

  @Setup(Level.Trial)
  public void setUp() {
    kek = SecretKeyProvider.fromSecretData("bench", SecretKeyProvider.newSecretData());
    key = SecretBytes.random(32);
    share = SecretBytes.random(32);
    context = new EnvelopeContext("bench", "A", KeyLevel.GROUP, 1, KeyId.of(KeyLevel.GROUP, key));
    sealed = Envelope.seal(kek, key, share, context);
    rawKey = new SecretKeySpec(new byte[32], "AES");
  }

  @Benchmark
  public SealedKey seal() {
    return Envelope.seal(kek, key, share, context);
  }

  @Benchmark
  public SecretBytes open() {
    SecretBytes opened = Envelope.open(kek, sealed, share, context);
    opened.destroy();
    return opened;
  }

  /** Reference: one AES-256-GCM encryption of 32 bytes with a fresh nonce. */
  @Benchmark
  public byte[] referenceAesGcm() throws Exception {
    random.nextBytes(nonce);
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.ENCRYPT_MODE, rawKey, new GCMParameterSpec(128, nonce));
    return cipher.doFinal(plaintext);
  }
}
