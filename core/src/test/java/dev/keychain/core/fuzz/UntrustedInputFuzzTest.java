package dev.keychain.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.keychain.core.attest.Dsse;
import dev.keychain.core.attest.InTotoStatement;
import dev.keychain.core.attest.PredicateCondition;
import dev.keychain.core.attest.PredicateTypes;
import dev.keychain.core.audit.Checkpoint;
import dev.keychain.core.audit.HeadNote;
import dev.keychain.core.auth.AuthFailure;
import dev.keychain.core.auth.MasterTrust;
import dev.keychain.core.auth.Messages;
import dev.keychain.core.auth.Wire;
import dev.keychain.core.cosign.SimpleSigning;
import dev.keychain.core.envelope.EnvelopeException;
import dev.keychain.core.envelope.SealedKey;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.keys.PublicKeys;
import dev.keychain.core.keyset.InstanceKeys;
import dev.keychain.core.keyset.InstanceKeyset;
import dev.keychain.core.lifecycle.AuthorizationRow;
import dev.keychain.core.lifecycle.InstanceState;
import dev.keychain.core.lifecycle.Timestamps;
import dev.keychain.core.oci.ImageReference;
import dev.keychain.testing.fixtures.Mutations;
import dev.keychain.testing.fixtures.TestPki;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Fuzz campaigns over every core parser that reads input from outside (image references, PEM, CA
 * bundles, handshake messages, sealed keys, checkpoints, signed notes, stored keysets, cosign
 * payloads): mutations of a valid input must parse or be refused with the parser's own exception,
 * which names what is wrong; never any other exception. The budget is jqwik's tries (CI: the
 * default in junit-platform.properties; long campaigns: bench/run-fuzz.sh).
 */
class UntrustedInputFuzzTest {
  private static final TestPki.Issued ISSUED = TestPki.create("fuzz-ca").clientCertificate("fuzz");
  private static final String CERT_PEM = ISSUED.certificatePem();
  private static final String KEY_PEM =
      "-----BEGIN PUBLIC KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(ISSUED.keys().getPublic().getEncoded())
          + "\n-----END PUBLIC KEY-----\n";
  private static final Ed25519PrivateKeyParameters NOTE_KEY =
      new Ed25519PrivateKeyParameters(new SecureRandom());
  private static final Checkpoint HEAD =
      new Checkpoint(42, new byte[32], 3, 1_700_000_000_000L, new byte[32]);
  private static final String NOTE = HeadNote.sign("keychain.dev/fuzz", HEAD, NOTE_KEY);
  private static final String NOTE_VKEY =
      HeadNote.verifierKey("keychain.dev/fuzz", NOTE_KEY.generatePublicKey().getEncoded());

  /** Runs {@code parse}; anything thrown must be one of {@code refusals}, with a message. */
  private static void parsesOrRefuses(
      String what, Object input, ThrowingRunnable parse, List<Class<?>> refusals) {
    try {
      parse.run();
    } catch (Throwable t) {
      if (refusals.stream().noneMatch(c -> c.isInstance(t))) {
        fail(what + " threw " + t + " for input " + printable(input), t);
      }
      if (t.getMessage() == null || t.getMessage().isBlank()) {
        fail(what + " refused without saying why: " + t + " for " + printable(input));
      }
    }
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static String printable(Object input) {
    String s =
        input instanceof byte[] b
            ? new String(b, StandardCharsets.ISO_8859_1)
            : String.valueOf(input);
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  @Property
  void imageReferencesParseOrAreRefused(@ForAll long seed) {
    String base =
        List.of(
                "127.0.0.1:5000/edge/app:v1",
                "[::1]:5000/team/app@sha256:" + "0a".repeat(32),
                "Registry.Example.com./a/b-c__d.e:1.0",
                "nginx")
            .get((int) Math.floorMod(seed, 4L));
    String input = Mutations.mutate(base, seed);
    parsesOrRefuses(
        "ImageReference.parse",
        input,
        () -> {
          ImageReference r = ImageReference.parse(input);
          // What parses has one canonical name, stable when written back and parsed again.
          String canonical = r.canonicalName();
          r.notaryGuns();
          assertEquals(canonical, ImageReference.parse(r.toString()).canonicalName(), input);
        },
        List.of(IllegalArgumentException.class));
  }

  @Property
  void pemParsesOrIsRefused(@ForAll long seed) {
    String input = Mutations.mutate(seed % 2 == 0 ? CERT_PEM : KEY_PEM, seed);
    parsesOrRefuses(
        "PublicKeys.fromPem",
        input,
        () -> PublicKeys.fromPem(input),
        List.of(IllegalArgumentException.class));
    parsesOrRefuses(
        "MasterTrust.fromPemBundle",
        input,
        () -> MasterTrust.fromPemBundle(input),
        List.of(IllegalArgumentException.class));
  }

  @Property
  void handshakeMessagesParseOrAreRefused(@ForAll long seed) {
    String hello =
        "{\"v\":1,\"token\":\"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln\",\"ephemeralKey\":\""
            + Base64.getEncoder().encodeToString(new byte[65])
            + "\",\"nonce\":\""
            + Base64.getEncoder().encodeToString(new byte[16])
            + "\",\"timestamp\":1700000000000}";
    String confirm = "{\"v\":1,\"sessionId\":\"abc\",\"mac\":\"" + "00".repeat(32) + "\"}";
    String input = Mutations.mutate(seed % 2 == 0 ? hello : confirm, seed);
    for (Class<?> type :
        List.of(Messages.AgentHello.class, Messages.AgentConfirm.class, Messages.KeyGrant.class)) {
      parsesOrRefuses(
          "Wire.parse " + type.getSimpleName(),
          input,
          () -> Wire.parse(input, type),
          List.of(AuthFailure.class));
    }
  }

  @Property
  void sealedKeysAndCheckpointsParseOrAreRefused(@ForAll long seed) {
    String sealed = new SealedKey("kek-1", new byte[12], new byte[48]).encode();
    String input = Mutations.mutate(seed % 2 == 0 ? sealed : HEAD.toText(), seed);
    parsesOrRefuses(
        "SealedKey.parse", input, () -> SealedKey.parse(input), List.of(EnvelopeException.class));
    parsesOrRefuses(
        "Checkpoint.parse",
        input,
        () -> Checkpoint.parse(input),
        List.of(IllegalArgumentException.class));
  }

  @Property
  void signedNotesOpenOrAreRefused(@ForAll long seed) {
    String note = Mutations.mutate(NOTE, seed);
    String key = Mutations.mutate(NOTE_VKEY, ~seed);
    parsesOrRefuses(
        "HeadNote.open",
        note,
        () -> {
          Checkpoint c = HeadNote.open(note, NOTE_VKEY);
          // A note that still opens under the right key carries the head that was signed.
          assertEquals(HEAD.toText(), c.toText(), "a changed note opened: " + note);
        },
        List.of(IllegalArgumentException.class));
    parsesOrRefuses(
        "HeadNote.open (key)",
        key,
        () -> HeadNote.open(NOTE, key),
        List.of(IllegalArgumentException.class));
  }

  @Property
  void storedKeysetsDecodeOrAreRefused(@ForAll long seed) throws Exception {
    Instant t0 = Instant.parse("2026-01-02T03:04:05Z");
    AuthorizationRow row =
        new AuthorizationRow(
            InstanceState.Paused, true, "blue", new Timestamps(t0, t0, null, t0, t0));
    byte[] seedBytes =
        InstanceKeyset.empty()
            .with("ns", "web", new InstanceKeys(row, 3, 4L, 7))
            .with("ns", "api", InstanceKeys.enrolled(row, 1))
            .encode();
    byte[] input = Mutations.mutate(seedBytes, seed);
    parsesOrRefuses(
        "InstanceKeyset.decode",
        input,
        () -> InstanceKeyset.decode(input, "Secret ns/chain entry instances"),
        List.of(MalformedJsonException.class));
  }

  @Property
  void cosignPayloadsParseOrAreRefused(@ForAll long seed) {
    String payload =
        "{\"critical\":{\"identity\":{\"docker-reference\":\"127.0.0.1:5000/app\"},"
            + "\"image\":{\"docker-manifest-digest\":\"sha256:"
            + "0a".repeat(32)
            + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}";
    byte[] input = Mutations.mutate(payload.getBytes(StandardCharsets.UTF_8), seed);
    parsesOrRefuses(
        "SimpleSigning.signedDigest",
        input,
        () -> SimpleSigning.signedDigest(input),
        List.of(MalformedJsonException.class));
  }

  @Property
  void dsseEnvelopesAndInTotoStatementsParseOrAreRefused(@ForAll long seed) {
    String statement =
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"app\","
            + "\"digest\":{\"sha256\":\""
            + "0a".repeat(32)
            + "\"}}],\"predicateType\":\"https://slsa.dev/provenance/v1\","
            + "\"predicate\":{\"runDetails\":{\"builder\":{\"id\":\"https://b\"}}}}";
    byte[] mutated = Mutations.mutate(statement.getBytes(StandardCharsets.UTF_8), seed);
    parsesOrRefuses(
        "InTotoStatement.parse",
        mutated,
        () ->
            PredicateCondition.builderId(PredicateTypes.SLSA_PROVENANCE_V1, "https://b")
                .unmet(InTotoStatement.parse(mutated, "statement").predicate()),
        List.of(MalformedJsonException.class));
    byte[] envelope =
        Mutations.mutate(
            Dsse.encode(
                Dsse.IN_TOTO, statement.getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}),
            seed);
    parsesOrRefuses(
        "Dsse.parse",
        envelope,
        () -> Dsse.parse(envelope, "envelope").signedBytes(),
        List.of(MalformedJsonException.class));
  }
}
