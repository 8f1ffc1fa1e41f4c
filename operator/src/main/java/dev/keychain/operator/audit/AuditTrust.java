package dev.keychain.operator.audit;

import dev.keychain.core.audit.Checkpoint;
import dev.keychain.core.audit.EvolvingKey;
import dev.keychain.core.audit.HeadNote;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.envelope.Envelope;
import dev.keychain.core.envelope.KeyProvider;
import dev.keychain.core.envelope.OwnedKeyContext;
import dev.keychain.core.envelope.SealedKey;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import dev.keychain.operator.chain.KeyProviders;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The store of record of an audit log's trust, out of its tenant's reach: one Secret per log in the
 * operator's namespace ({@code audit.<namespace>.<name>}) holding the log's keys (K_0 for the
 * verifier, the current K_i for the writer, the checkpoint and head signing key), sealed under the
 * operator's own audit KEK (Secret {@code keychain-audit-kek} of the operator's namespace), and the
 * trusted head: the last checkpoint this operator wrote whose history extends the previous trusted
 * head, with its C2SP signed note. A failed verification is stored as a finding, which only an
 * explicit acknowledgement clears. Every write is a compare-and-swap on the Secret's
 * resourceVersion, and the head and the key index only go up: a write that would lower them is
 * refused.
 *
 * <p>Seed 003's model: the verifier holds K_0, the logger keeps only the current key. A tenant who
 * can read its namespace's Secrets holds none of these; only an administrator of the operator's
 * namespace (or the cluster) does (docs/security.md).
 */
@Singleton
public class AuditTrust {
  private static final String PURPOSE = "keychain.dev/v1/audit-trust";
  private static final String LEGACY_PURPOSE = "keychain.dev/v1/audit-key";
  private static final Logger LOG = Logger.getLogger(AuditTrust.class);
  public static final String KEK_SECRET = "keychain-audit-kek";
  static final String TYPE = "keychain.dev/audit-trust";
  private static final String LEGACY_TYPE = "keychain.dev/audit-keys";

  /** Annotation of a trust Secret naming the head (cp1...) an administrator accepts. */
  public static final String ACCEPT_HEAD = "keychain.dev/accept-head";

  /** Label of every trust Secret: the namespace of its log (for the reconciler's informer). */
  public static final String LOG_NAMESPACE_LABEL = "keychain.dev/audit-namespace";

  /** Annotation of every trust Secret: the name of its log. */
  public static final String LOG_NAME_ANNOTATION = "keychain.dev/audit-log-name";

  /** A stored verification failure: what was found, when, and the trusted head it was against. */
  public record Finding(String problem, Instant detectedAt) {}

  private final KubernetesClient client;
  private final KeyProviders providers;
  private final String namespace;

  public AuditTrust(
      KubernetesClient client,
      KeyProviders providers,
      @ConfigProperty(name = "keychain.operator.namespace") String namespace) {
    this.client = client;
    this.providers = providers;
    this.namespace = namespace;
  }

  /** The namespace that holds every log's trust (the operator's). */
  public String namespace() {
    return namespace;
  }

  /** The Secret of {@code log}: {@code audit.<namespace>.<name>} (namespaces hold no dots). */
  public static String secretName(AuditLog log) {
    String name = "audit." + log.getMetadata().getNamespace() + "." + log.getMetadata().getName();
    if (name.length() <= 253) {
      return name;
    }
    byte[] id;
    try {
      id =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  (log.getMetadata().getNamespace() + "/" + log.getMetadata().getName())
                      .getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return "audit." + log.getMetadata().getNamespace() + "." + HexFormat.of().formatHex(id);
  }

  /** The origin (and note key name) of the log's signed heads. */
  public static String origin(AuditLog log) {
    return "keychain.dev/audit/"
        + log.getMetadata().getNamespace()
        + "/"
        + log.getMetadata().getName();
  }

  // --- keys ---

  /**
   * The writer's current key: K_0 of a new log (created and sealed now, with its signing key), the
   * stored K_i otherwise. A log whose keys an older release kept in the tenant's namespace ({@code
   * <log>-audit-keys}) has them moved here first, and the tenant's copy deleted.
   */
  public EvolvingKey current(AuditLog log) {
    Secret secret = secret(log).orElseGet(() -> create(log));
    Map<String, String> data = secret.getData();
    long index = Long.parseLong(text(data, "index"));
    return EvolvingKey.adopt(open(log, "current", index, text(data, "current")), index);
  }

  /** Replaces the stored current key after an evolution; refuses to go back to a lower index. */
  public void storeCurrent(AuditLog log, long index, byte[] key) {
    String sealed = seal(log, "current", index, key);
    update(
        log,
        data -> {
          long stored = Long.parseLong(text(data, "index"));
          if (index < stored) {
            throw new IllegalStateException(
                "refused to store audit key K_"
                    + index
                    + " over K_"
                    + stored
                    + " (keys only evolve)");
          }
          put(data, "current", sealed);
          put(data, "index", Long.toString(index));
          return data;
        });
  }

  /** K_0, for verification; the caller wipes it. */
  public byte[] initial(AuditLog log) {
    return open(log, "k0", 0, text(required(log).getData(), "k0"));
  }

  /** The Ed25519 key that signs the log's checkpoints (when asked to) and its heads' notes. */
  public Ed25519PrivateKeyParameters signing(AuditLog log) {
    byte[] seed = open(log, "signing", 0, text(required(log).getData(), "signing"));
    try {
      return new Ed25519PrivateKeyParameters(seed, 0);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /** The signing key's public half. */
  public byte[] publicKey(AuditLog log) {
    return signing(log).generatePublicKey().getEncoded();
  }

  // --- heads and findings ---

  public Optional<Checkpoint> trustedHead(AuditLog log) {
    return secret(log)
        .map(Secret::getData)
        .flatMap(d -> optional(d, "head"))
        .map(Checkpoint::parse);
  }

  public Optional<String> headNote(AuditLog log) {
    return secret(log).map(Secret::getData).flatMap(d -> optional(d, "note"));
  }

  public Optional<Finding> finding(AuditLog log) {
    return secret(log)
        .map(Secret::getData)
        .flatMap(
            d ->
                optional(d, "finding")
                    .map(
                        problem ->
                            new Finding(
                                problem,
                                Instant.parse(
                                    optional(d, "findingAt").orElse(Instant.EPOCH.toString())))));
  }

  /**
   * Makes {@code head} (a durable checkpoint of this operator's writer) the trusted head, if it
   * extends the stored one: not smaller, not of an earlier key, and its history holds the stored
   * head ({@code rootAt(size)} of the writer's tree equals the stored root; null when retention
   * pruned those records, whose prune the periodic verification checks). Returns the reason when it
   * does not: the caller records it as a finding. Never moves the head while a finding stands.
   */
  public Optional<String> advanceHead(AuditLog log, Checkpoint head, LongFunction<byte[]> rootAt) {
    String[] refused = new String[1];
    update(
        log,
        data -> {
          refused[0] = null;
          if (optional(data, "finding").isPresent()) {
            return null; // the head stays where the finding was made until acknowledged
          }
          Optional<Checkpoint> stored = optional(data, "head").map(Checkpoint::parse);
          if (stored.isPresent()) {
            Checkpoint s = stored.get();
            if (head.treeSize() == s.treeSize() && head.toText().equals(s.toText())) {
              return null;
            }
            if (head.treeSize() < s.treeSize() || head.keyIndex() < s.keyIndex()) {
              refused[0] =
                  "the log's last checkpoint (size "
                      + head.treeSize()
                      + ", K_"
                      + head.keyIndex()
                      + ") is behind the trusted head (size "
                      + s.treeSize()
                      + ", K_"
                      + s.keyIndex()
                      + "): truncated or rolled back";
              return null;
            }
            byte[] root = rootAt.apply(s.treeSize());
            if (root != null && !MessageDigest.isEqual(root, s.root())) {
              refused[0] =
                  "the first "
                      + s.treeSize()
                      + " records of the log do not match the trusted head's root (history"
                      + " rewritten)";
              return null;
            }
          }
          putHead(log, data, head);
          return data;
        });
    return Optional.ofNullable(refused[0]);
  }

  /** Stores a finding unless one stands already; returns whether it was new. */
  public boolean recordFinding(AuditLog log, String problem) {
    boolean[] recorded = new boolean[1];
    update(
        log,
        data -> {
          recorded[0] = false;
          if (optional(data, "finding").isPresent()) {
            return null;
          }
          put(data, "finding", problem);
          put(data, "findingAt", Instant.now().toString());
          recorded[0] = true;
          return data;
        });
    return recorded[0];
  }

  /**
   * The head an administrator asks to accept after a finding: annotation {@value #ACCEPT_HEAD} on
   * the log's trust Secret. It lives there, not on the AuditLog, because only who may write the
   * operator's namespace may clear a finding; a tenant (or whoever tampered) may not.
   */
  public Optional<String> acceptRequest(AuditLog log) {
    return secret(log)
        .map(s -> s.getMetadata().getAnnotations())
        .map(a -> a.get(ACCEPT_HEAD))
        .map(String::trim);
  }

  /**
   * An administrator's acknowledgement: {@code accepted} becomes the trusted head, the finding is
   * cleared and the request removed, in one write; the store keeps what was accepted after what
   * ({@code acknowledged}).
   */
  public void acknowledge(AuditLog log, Checkpoint accepted, String finding) {
    edit(
        log,
        s -> {
          Map<String, String> data = new HashMap<>(s.getData());
          putHead(log, data, accepted);
          data.remove("finding");
          data.remove("findingAt");
          put(
              data,
              "acknowledged",
              Instant.now() + " accepted " + accepted.toText() + " after: " + finding);
          s.setData(data);
          if (s.getMetadata().getAnnotations() != null) {
            s.getMetadata().getAnnotations().remove(ACCEPT_HEAD);
          }
          return s;
        });
  }

  /**
   * Removes an acknowledgement request that was refused (or came with no finding), so that it
   * cannot accept a later finding by itself.
   */
  public void dismissRequest(AuditLog log) {
    edit(
        log,
        s -> {
          if (s.getMetadata().getAnnotations() == null
              || s.getMetadata().getAnnotations().remove(ACCEPT_HEAD) == null) {
            return null;
          }
          return s;
        });
  }

  private void putHead(AuditLog log, Map<String, String> data, Checkpoint head) {
    put(data, "head", head.toText());
    byte[] seed = open(log, "signing", 0, text(data, "signing"));
    try {
      put(data, "note", HeadNote.sign(origin(log), head, new Ed25519PrivateKeyParameters(seed, 0)));
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  // --- storage ---

  private Optional<Secret> secret(AuditLog log) {
    return Optional.ofNullable(
        client.secrets().inNamespace(namespace).withName(secretName(log)).get());
  }

  private Secret required(AuditLog log) {
    return secret(log)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "the trust of audit log "
                        + log.getMetadata().getNamespace()
                        + "/"
                        + log.getMetadata().getName()
                        + " (Secret "
                        + namespace
                        + "/"
                        + secretName(log)
                        + ") is missing"));
  }

  private Secret create(AuditLog log) {
    Map<String, String> data = new HashMap<>();
    Optional<Secret> legacy = legacySecret(log);
    byte[] k0;
    byte[] current;
    long index;
    if (legacy.isPresent()) {
      Map<String, String> old = legacy.get().getData();
      index = Long.parseLong(text(old, "index"));
      k0 = openLegacy(log, "k0", 0, text(old, "k0"));
      current = openLegacy(log, "current", index, text(old, "current"));
      Optional<String> signing = optional(old, "signing");
      byte[] seed =
          signing.isPresent()
              ? openLegacy(log, "signing", 0, signing.get())
              : new Ed25519PrivateKeyParameters(new SecureRandom()).getEncoded();
      put(data, "signing", seal(log, "signing", 0, seed));
      Arrays.fill(seed, (byte) 0);
    } else {
      k0 = new byte[32];
      new SecureRandom().nextBytes(k0);
      current = k0.clone();
      index = 0;
      byte[] seed = new Ed25519PrivateKeyParameters(new SecureRandom()).getEncoded();
      put(data, "signing", seal(log, "signing", 0, seed));
      Arrays.fill(seed, (byte) 0);
    }
    try {
      put(data, "k0", seal(log, "k0", 0, k0));
      put(data, "current", seal(log, "current", index, current));
      put(data, "index", Long.toString(index));
    } finally {
      Arrays.fill(k0, (byte) 0);
      Arrays.fill(current, (byte) 0);
    }
    Secret created;
    try {
      created =
          client
              .resource(
                  new SecretBuilder()
                      .withNewMetadata()
                      .withName(secretName(log))
                      .withNamespace(namespace)
                      .addToLabels("app.kubernetes.io/managed-by", "keychain-operator")
                      .addToLabels(LOG_NAMESPACE_LABEL, log.getMetadata().getNamespace())
                      .addToAnnotations("keychain.dev/audit-log", origin(log))
                      .addToAnnotations(LOG_NAME_ANNOTATION, log.getMetadata().getName())
                      .endMetadata()
                      .withType(TYPE)
                      .withData(data)
                      .build())
              .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      return required(log); // another replica made it first
    }
    legacy.ifPresent(
        s -> {
          // The tenant's copy goes: its Secret readers must not keep a way to K_0.
          client.resource(s).delete();
          LOG.infof(
              "audit keys of %s moved to %s/%s; the tenant's copy %s was deleted",
              origin(log), namespace, secretName(log), s.getMetadata().getName());
        });
    return created;
  }

  /** Read-modify-write of the data with the Secret's resourceVersion; null for no change. */
  private void update(AuditLog log, Function<Map<String, String>, Map<String, String>> change) {
    edit(
        log,
        s -> {
          Map<String, String> changed = change.apply(new HashMap<>(s.getData()));
          if (changed == null) {
            return null;
          }
          s.setData(changed);
          return s;
        });
  }

  /** Read-modify-write with the Secret's resourceVersion; {@code change} returns null for none. */
  private void edit(AuditLog log, java.util.function.UnaryOperator<Secret> change) {
    for (int attempt = 0; ; attempt++) {
      Secret s = change.apply(required(log));
      if (s == null) {
        return;
      }
      try {
        client.secrets().inNamespace(namespace).resource(s).update();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 8) {
          throw e;
        }
        // Another writer won: read again and re-check the invariants against its write.
      }
    }
  }

  // --- sealing ---

  private KeyProvider provider() {
    return providers.forSecret(namespace, KEK_SECRET);
  }

  /**
   * Where an audit key's envelope belongs. The purposes are those the operator always bound these
   * keys to, so envelopes sealed before core's envelope took them over open unchanged.
   */
  private static OwnedKeyContext context(String purpose, AuditLog log, String role, long index) {
    return new OwnedKeyContext(
        purpose, log.getMetadata().getNamespace() + "/" + log.getMetadata().getName(), role, index);
  }

  private String seal(AuditLog log, String role, long index, byte[] key) {
    try (KeyProvider kek = provider();
        SecretBytes secret = SecretBytes.copyOf(key, SecretAccess.grant())) {
      return Envelope.sealOwned(kek, secret, context(PURPOSE, log, role, index)).encode();
    }
  }

  /** The key, as a copy the caller wipes. */
  private byte[] open(AuditLog log, String role, long index, String text) {
    try (KeyProvider kek = provider()) {
      return opened(kek, text, context(PURPOSE, log, role, index));
    }
  }

  private static byte[] opened(KeyProvider kek, String text, OwnedKeyContext context) {
    try (SecretBytes key = Envelope.openOwned(kek, SealedKey.parse(text), context)) {
      return key.toByteArray(SecretAccess.grant());
    }
  }

  // --- the keys of logs written by releases that kept them in the tenant's namespace ---

  private Optional<Secret> legacySecret(AuditLog log) {
    Secret s =
        client
            .secrets()
            .inNamespace(log.getMetadata().getNamespace())
            .withName(log.getMetadata().getName() + "-audit-keys")
            .get();
    return s != null && LEGACY_TYPE.equals(s.getType()) ? Optional.of(s) : Optional.empty();
  }

  private byte[] openLegacy(AuditLog log, String role, long index, String text) {
    try (KeyProvider kek =
        providers.forSecret(log.getMetadata().getNamespace(), log.getSpec().getKekSecretName())) {
      return opened(kek, text, context(LEGACY_PURPOSE, log, role, index));
    }
  }

  // --- Secret data (base64 of UTF-8 text) ---

  private static void put(Map<String, String> data, String key, String value) {
    data.put(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
  }

  private static Optional<String> optional(Map<String, String> data, String key) {
    String v = data == null ? null : data.get(key);
    if (v == null) {
      return Optional.empty();
    }
    byte[] bytes = Base64.getDecoder().decode(v);
    String out = new String(bytes, StandardCharsets.UTF_8);
    Arrays.fill(bytes, (byte) 0);
    return Optional.of(out);
  }

  private static String text(Map<String, String> data, String key) {
    return optional(data, key)
        .orElseThrow(() -> new IllegalStateException("audit trust lacks its '" + key + "' entry"));
  }
}
