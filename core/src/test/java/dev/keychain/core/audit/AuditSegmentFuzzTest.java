package dev.keychain.core.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.keychain.testing.fixtures.Mutations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzz campaign over audit segment files, as someone with write access to the volume could leave
 * them: a segment of a checkpointed log mutated per try. Verification must always return a report
 * (never throw), and a log it passes against the trusted head must hold exactly the records that
 * were written: tampering is found or changed nothing the head covers.
 */
class AuditSegmentFuzzTest {
  private static final byte[] K0 = new byte[32];
  private static Path original;
  private static Checkpoint head;
  private static final List<byte[]> written = new ArrayList<>();

  @BeforeContainer
  static void writeLog() throws IOException {
    original = Files.createTempDirectory("audit-fuzz");
    try (AuditLogWriter w =
        AuditLogWriter.open(original, EvolvingKey.fromInitial(K0, 0), (i, k) -> {}, 900)) {
      for (int i = 0; i < 30; i++) {
        byte[] r =
            ("{\"event\":\"GrantIssued\",\"seq\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        written.add(r);
        w.append(r);
        if (i % 7 == 6) {
          w.checkpoint(1_000L + i);
        }
      }
      head = w.checkpoint(2_000L);
    }
  }

  @AfterContainer
  static void removeLog() throws IOException {
    delete(original);
  }

  @Property
  void mutatedSegmentsAreReportedOrChangeNothingTheHeadCovers(@ForAll long seed)
      throws IOException {
    Path dir = Files.createTempDirectory("audit-fuzz-try");
    try {
      List<Path> segments = LogFrames.segments(original);
      for (Path p : segments) {
        Files.copy(p, dir.resolve(p.getFileName()));
      }
      Path victim = segments.get((int) Math.floorMod(seed, (long) segments.size())).getFileName();
      byte[] bytes = Files.readAllBytes(dir.resolve(victim));
      Files.write(dir.resolve(victim), Mutations.mutate(bytes, seed));
      AuditLogVerifier.Report report;
      try {
        report = AuditLogVerifier.verify(dir, K0, Optional.of(head));
      } catch (Throwable t) {
        fail("verification threw " + t + " for a mutated " + victim, t);
        return;
      }
      assertNotNull(report);
      if (report.ok()) {
        List<byte[]> records = new ArrayList<>();
        for (LogFrames.Frame f : LogFrames.scan(dir).frames()) {
          if (f.type() == LogFrames.RECORD) {
            records.add(f.payload());
          }
        }
        for (int i = 0; i < head.treeSize(); i++) {
          assertArrayEquals(
              written.get(i), records.get(i), "record " + i + " changed, yet verified");
        }
      } else if (report.problem().get().isBlank()) {
        fail("a failed verification must say why");
      }
    } finally {
      delete(dir);
    }
  }

  private static void delete(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
