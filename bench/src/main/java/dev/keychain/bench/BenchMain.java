package dev.keychain.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks and prints each result beside its reference measured in the same run,
 * with the ratio (DESIGN.md section 7: ratios, not absolute times, are what we report).
 *
 * <p>Usage: {@code bench/run.sh [regex] [--quick]}.
 */
public final class BenchMain {
  private BenchMain() {}

  /** A benchmark, the reference it is compared with, and the target it is held to. */
  private record Comparison(String benchmark, String reference, String target) {}

  private static final List<Comparison> COMPARISONS =
      List.of(
          new Comparison(
              "SubKeyDerivationBenchmark.deriveSubKeyBytes",
              "SubKeyDerivationBenchmark.referenceHmacSha256",
              ">= 500,000 derivations/s"),
          new Comparison(
              "SubKeyDerivationBenchmark.deriveSubKeyWithMetadata",
              "SubKeyDerivationBenchmark.referenceHmacSha256",
              "(key ID and binding MAC included)"),
          new Comparison(
              "SubKeyDerivationBenchmark.rekeyGroupOf10000",
              "SubKeyDerivationBenchmark.referenceHmacSha256",
              "10,000-agent group re-keyed in < 1 s of CPU"),
          new Comparison(
              "HandshakeBenchmark.fullHandshake",
              "HandshakeBenchmark.referenceKeyAgreementsAndSignature",
              "p50 < 2 ms"),
          new Comparison(
              "HandshakeBenchmark.fullHandshakeWithOneShare",
              "HandshakeBenchmark.fullHandshake",
              "what delivering one share version adds"),
          new Comparison("EnvelopeBenchmark.seal", "EnvelopeBenchmark.referenceAesGcm", ""),
          new Comparison(
              "AuditAppendBenchmark.logAppend",
              "AuditAppendBenchmark.referenceSha256",
              ">= 50% of raw SHA-256 of 1 KiB"),
          new Comparison(
              "AuditAppendBenchmark.merkleAppend", "AuditAppendBenchmark.referenceSha256", ""),
          new Comparison(
              "AuditAppendBenchmark.referenceFrameWrite",
              "AuditAppendBenchmark.referenceSha256",
              "page-cache storage alone (what direct writes avoid)"),
          new Comparison(
              "AuditVerifyBenchmark.merkleLogOneThread",
              "AuditVerifyBenchmark.referenceSha256AllRecords",
              "full verification, 100,000 x 1 KiB"),
          new Comparison(
              "AuditVerifyBenchmark.merkleLogTwoThreads",
              "AuditVerifyBenchmark.referenceSha256AllRecords",
              ""),
          new Comparison(
              "AuditVerifyBenchmark.schneierKelseyAll",
              "AuditVerifyBenchmark.referenceSha256AllRecords",
              "baseline"),
          new Comparison(
              "AuditVerifyBenchmark.maTsudikAll",
              "AuditVerifyBenchmark.referenceSha256AllRecords",
              "baseline"),
          new Comparison(
              "AuditAppendBenchmark.schneierKelseyAppend",
              "AuditAppendBenchmark.referenceSha256",
              "baseline"),
          new Comparison(
              "AuditAppendBenchmark.maTsudikAppend",
              "AuditAppendBenchmark.referenceSha256",
              "baseline"),
          new Comparison("EnvelopeBenchmark.open", "EnvelopeBenchmark.referenceAesGcm", ""));

  public static void main(String[] args) throws Exception {
    String include = "dev.keychain.bench.*";
    boolean quick = false;
    for (String arg : args) {
      if (arg.equals("--quick")) {
        quick = true;
      } else {
        include = arg;
      }
    }
    ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include(include)
            .forks(1)
            .warmupIterations(quick ? 1 : 3)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(quick ? 2 : 5)
            .measurementTime(TimeValue.seconds(quick ? 1 : 2))
            .shouldFailOnError(true);
    Collection<RunResult> results = new Runner(options.build()).run();
    Map<String, Result<?>> byName = new LinkedHashMap<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      byName.put(
          label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1),
          r.getPrimaryResult());
    }
    System.out.println();
    System.out.println(
        "== keychain-operator benchmarks (JMH, "
            + Runtime.getRuntime().availableProcessors()
            + " cores) ==");
    List<String> lines = new ArrayList<>();
    for (Comparison c : COMPARISONS) {
      Result<?> result = byName.get(c.benchmark());
      Result<?> reference = byName.get(c.reference());
      if (result == null || reference == null) {
        continue;
      }
      lines.add(line(c, result, reference));
    }
    lines.forEach(System.out::println);
    // Parameterised benchmarks (partial verification): one line per parameter set.
    for (RunResult r : results) {
      if (r.getParams().getParamsKeys().isEmpty()) {
        continue;
      }
      StringBuilder params = new StringBuilder();
      for (String key : r.getParams().getParamsKeys()) {
        params.append(key).append('=').append(r.getParams().getParam(key)).append(' ');
      }
      String label = r.getParams().getBenchmark();
      System.out.println(
          String.format(
              Locale.ROOT,
              "%-58s %-28s %14.3f %s",
              label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1),
              params.toString().trim(),
              r.getPrimaryResult().getScore(),
              r.getPrimaryResult().getScoreUnit()));
    }
  }

  private static String line(Comparison c, Result<?> result, Result<?> reference) {
    String unit = result.getScoreUnit();
    if (unit.equals("ms/op")) {
      return String.format(
          Locale.ROOT,
          "%-52s %10.1f ms | reference %10.1f ms | ratio %5.2fx | %s",
          c.benchmark(),
          result.getScore(),
          reference.getScore(),
          result.getScore() / reference.getScore(),
          c.target());
    }
    if (unit.startsWith("us/op")) {
      double p50 = result.getStatistics().getPercentile(50);
      double p99 = result.getStatistics().getPercentile(99);
      double ref50 = reference.getStatistics().getPercentile(50);
      return String.format(
          Locale.ROOT,
          "%-52s p50 %8.1f us  p99 %8.1f us | reference p50 %8.1f us | ratio %5.2fx | %s",
          c.benchmark(),
          p50,
          p99,
          ref50,
          p50 / ref50,
          c.target());
    }
    double score = result.getScore();
    double ref = reference.getScore();
    String extra = "";
    if (c.benchmark().endsWith("rekeyGroupOf10000")) {
      extra = String.format(Locale.ROOT, " (= %.1f ms per group)", 1000.0 / score);
      return String.format(
          Locale.ROOT,
          "%-52s %12.1f groups/s%s | reference %12.0f HMAC/s | %.1f%% of 10,000 HMACs | %s",
          c.benchmark(),
          score,
          extra,
          ref,
          100.0 * (score * 10_000) / ref,
          c.target());
    }
    return String.format(
        Locale.ROOT,
        "%-52s %12.0f ops/s | reference %12.0f ops/s | ratio %5.2f | %s",
        c.benchmark(),
        score,
        ref,
        score / ref,
        c.target());
  }
}
