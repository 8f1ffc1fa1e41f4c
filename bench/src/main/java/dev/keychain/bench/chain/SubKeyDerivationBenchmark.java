package dev.keychain.bench.chain;

import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.KeyDerivation;
import dev.keychain.core.chain.SubKeyDeriver;
import dev.keychain.core.chain.SubKeySize;
import dev.keychain.core.crypto.Hkdf;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Sub-key derivation rate (target >= 500,000/s) and the CPU time to re-key a 10,000-agent group
 * (target < 1 s), beside the raw HMAC-SHA256 rate on the same machine and run (the reference: one
 * derivation is one HMAC plus encoding).
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.SECONDS)
@BenchmarkMode(Mode.Throughput)
public class SubKeyDerivationBenchmark {
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private ChainKey groupKey;
  private SubKeyDeriver deriver;
  private Mac referenceMac;
  private final byte[] referenceInput = new byte[80];
  private long counter;

  @Setup(Level.Trial)
  public void setUp() {
    ChainKey session = KeyDerivation.newSession("bench", NOW);
    groupKey = KeyDerivation.group(KeyDerivation.root(session, 0, NOW), "A", 0, NOW);
    deriver = new SubKeyDeriver(groupKey, SubKeySize.BITS_128);
    referenceMac = Hkdf.mac(new byte[32]);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    deriver.close();
    groupKey.destroy();
  }

  /** Reference: HMAC-SHA256 over an input as long as a sub key's HKDF info. */
  @Benchmark
  public byte[] referenceHmacSha256() {
    referenceInput[0] = (byte) counter++;
    return referenceMac.doFinal(referenceInput);
  }

  /** The key bytes of one sub key (the re-keying hot path). */
  @Benchmark
  public byte[] deriveSubKeyBytes() {
    byte[] key = deriver.deriveBytes("ns/pod-" + (counter++ & 1023), 3);
    Arrays.fill(key, (byte) 0);
    return key;
  }

  /** A full sub key: bytes, key ID and binding MAC. */
  @Benchmark
  public ChainKey deriveSubKeyWithMetadata() {
    ChainKey key = deriver.derive("ns/pod-" + (counter++ & 1023), 3, NOW);
    key.destroy();
    return key;
  }

  /** A whole group of 10,000 agents re-keyed (ops/s here = groups/s; 1/score = seconds). */
  @Benchmark
  @OperationsPerInvocation(1)
  public int rekeyGroupOf10000() {
    int sum = 0;
    for (int i = 0; i < 10_000; i++) {
      byte[] key = deriver.deriveBytes("ns/pod-" + i, 4);
      sum += key[0];
      Arrays.fill(key, (byte) 0);
    }
    return sum;
  }
}
