package dev.keychain.core.tuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keychain.core.tuf.TufTestRepository.Key;
import dev.keychain.testing.fixtures.Mutations;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Fuzz campaign over TUF metadata as a Notary server (or an attacker in its place) serves it: one
 * role file mutated per try. The verifier must return or refuse with a TufException that says why,
 * and whatever it returns never names a digest the signers did not sign.
 */
class TufMetadataFuzzTest {
  private static final String GUN = "registry.local/app";
  private static final String SIGNED = "sha256:" + "11".repeat(32);
  private static final List<String> ROLES =
      List.of("root", "timestamp", "snapshot", "targets", "targets/releases");
  private final TufTestRepository repo = new TufTestRepository();
  private final Map<String, byte[]> files;

  TufMetadataFuzzTest() throws Exception {
    Key alice = Key.generate();
    ObjectNode targets = TufTestRepository.targetsSigned(Map.of("v0", SIGNED));
    TufTestRepository.delegate(targets, "targets/releases", 1, List.of(""), alice);
    repo.publish(
        repo.sign(repo.rootSigned(), List.of(repo.root)),
        Map.of(
            "targets", repo.sign(targets, List.of(repo.targets)),
            "targets/releases",
                repo.sign(TufTestRepository.targetsSigned(Map.of("v1", SIGNED)), List.of(alice))));
    files = repo.files;
  }

  @Property
  void mutatedMetadataIsRefusedOrYieldsOnlySignedDigests(@ForAll long seed) {
    String role = ROLES.get((int) Math.floorMod(seed, (long) ROLES.size()));
    byte[] mutated = Mutations.mutate(files.get(role), seed);
    MetadataSource source =
        (gun, r, hash, max) -> {
          byte[] b = r.equals(role) ? mutated : files.get(r);
          if (b == null) {
            throw new TufException(TufException.Reason.NOT_FOUND, gun + ": no " + r + ".json");
          }
          return b;
        };
    try {
      NotaryTrust trust =
          new NotaryVerifier(source, Clock.systemUTC()).verify(GUN, Set.of(repo.root.id()));
      for (String tag : List.of("v0", "v1")) {
        for (SignedTarget t : trust.named(tag)) {
          assertEquals(SIGNED, t.digest(), "an unsigned digest was trusted for " + tag);
        }
      }
    } catch (TufException e) {
      if (e.getMessage() == null || e.getMessage().isBlank()) {
        fail("refused without saying why, mutating " + role);
      }
    } catch (Throwable t) {
      fail("verifier threw " + t + " mutating " + role, t);
    }
  }
}
