package dev.keychain.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;

/** Closed-loop load phases for the load drivers: latencies per call, throughput, errors. */
public final class LoadRun {
  /** The first failure of a run, printed with the results. */
  public static final AtomicReference<String> FIRST_ERROR = new AtomicReference<>();

  private LoadRun() {}

  /** Latencies of one phase. */
  public record Result(
      String name, int threads, long requests, double seconds, long[] nanos, long errors) {
    public double perSecond() {
      return requests / seconds;
    }

    public double percentileMs(double p) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
      return sorted[Math.max(0, i)] / 1e6;
    }
  }

  /** {@code threads} clients calling back to back for {@code seconds}; a call returns success. */
  public static Result run(String name, int threads, int seconds, IntPredicate call)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long start = System.nanoTime();
    List<Future<long[]>> futures = new ArrayList<>();
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger sequence = new AtomicInteger();
    for (int t = 0; t < threads; t++) {
      futures.add(
          pool.submit(
              () -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < end) {
                  long s = System.nanoTime();
                  if (!call.test(sequence.getAndIncrement())) {
                    errors.incrementAndGet();
                  }
                  if (n == lat.length) {
                    lat = Arrays.copyOf(lat, n * 2);
                  }
                  lat[n++] = System.nanoTime() - s;
                }
                return Arrays.copyOf(lat, n);
              }));
    }
    List<long[]> all = new ArrayList<>();
    for (Future<long[]> f : futures) {
      all.add(f.get());
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    long[] merged = all.stream().flatMapToLong(Arrays::stream).toArray();
    return new Result(name, threads, merged.length, elapsed, merged, errors.get());
  }

  /** One client making {@code count} calls. */
  public static Result runCount(String name, int count, IntPredicate call) {
    long[] lat = new long[count];
    long errors = 0;
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long s = System.nanoTime();
      if (!call.test(i)) {
        errors++;
      }
      lat[i] = System.nanoTime() - s;
    }
    return new Result(name, 1, count, (System.nanoTime() - start) / 1e9, lat, errors);
  }

  /** Prints a table of phases (calls are named {@code unit}, e.g. reviews or handshakes). */
  public static void print(String title, String unit, List<Result> results) {
    System.out.println();
    System.out.println("== " + title + " ==");
    System.out.printf(
        Locale.ROOT,
        "%-34s | %7s | %11s | %8s | %8s | %s%n",
        "phase",
        "clients",
        unit + "/s",
        "p50 ms",
        "p99 ms",
        "errors");
    for (Result r : results) {
      System.out.printf(
          Locale.ROOT,
          "%-34s | %7d | %11.0f | %8.3f | %8.3f | %d%n",
          r.name(),
          r.threads(),
          r.perSecond(),
          r.percentileMs(0.5),
          r.percentileMs(0.99),
          r.errors());
    }
    if (FIRST_ERROR.get() != null) {
      System.out.println("first error: " + FIRST_ERROR.get());
    }
  }
}
