package dev.keychain.operator.audit;

import dev.keychain.core.audit.EvolvingKey;
import dev.keychain.core.crypto.Encoder;
import dev.keychain.core.envelope.KeyProvider;
import dev.keychain.core.envelope.SealedKey;
import dev.keychain.operator.api.v1alpha1.AuditLog;
import dev.keychain.operator.chain.KeyProviders;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * An audit log's keys, sealed by the key provider in the Secret {@code <log>-audit-keys}: K_0 for
 * the verifier, and the current K_i for the writer. The Secret is deliberately not owned by the
 * AuditLog: deleting the resource must not make its log unverifiable.
 */
@Singleton
public class AuditKeys {
  private final KubernetesClient client;
  private final KeyProviders providers;

  public AuditKeys(KubernetesClient client, KeyProviders providers) {
    this.client = client;
    this.providers = providers;
  }

  static String secretName(AuditLog log) {
    return log.getMetadata().getName() + "-audit-keys";
  }

  private KeyProvider provider(AuditLog log) {
    return providers.forSecret(log.getMetadata().getNamespace(), log.getSpec().getKekSecretName());
  }

  private static byte[] aad(AuditLog log, String role, long index, String kekId) {
    return Encoder.of("keychain.dev/v1/audit-key")
        .add(log.getMetadata().getNamespace() + "/" + log.getMetadata().getName())
        .add(role)
        .add(index)
        .add(kekId)
        .toByteArray();
  }

  private String seal(AuditLog log, String role, long index, byte[] key) {
    KeyProvider kek = provider(log);
    String kekId = kek.primaryKekId();
    KeyProvider.Wrapped w = kek.wrap(key, aad(log, role, index, kekId));
    return new SealedKey(w.kekId(), w.nonce(), w.ciphertext()).encode();
  }

  private byte[] open(AuditLog log, String role, long index, String text) {
    SealedKey sealed = SealedKey.parse(text);
    return provider(log)
        .unwrap(
            new KeyProvider.Wrapped(sealed.kekId(), sealed.nonce(), sealed.ciphertext()),
            aad(log, role, index, sealed.kekId()));
  }

  private Optional<Secret> secret(AuditLog log) {
    return Optional.ofNullable(
        client
            .secrets()
            .inNamespace(log.getMetadata().getNamespace())
            .withName(secretName(log))
            .get());
  }

  /** The writer's current key: K_0 of a new log (created and sealed now), else the stored K_i. */
  public EvolvingKey current(AuditLog log) {
    Optional<Secret> existing = secret(log);
    if (existing.isEmpty()) {
      byte[] k0 = new byte[32];
      new SecureRandom().nextBytes(k0);
      String sealedK0 = seal(log, "k0", 0, k0);
      String sealedCurrent = seal(log, "current", 0, k0);
      client
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName(secretName(log))
                  .withNamespace(log.getMetadata().getNamespace())
                  .addToLabels("app.kubernetes.io/managed-by", "keychain-operator")
                  .addToLabels("keychain.dev/audit-log", log.getMetadata().getName())
                  .endMetadata()
                  .withType("keychain.dev/audit-keys")
                  .addToData(
                      Map.of(
                          "k0", b64(sealedK0),
                          "current", b64(sealedCurrent),
                          "index", b64("0")))
                  .build())
          .create();
      return EvolvingKey.adopt(k0, 0);
    }
    Map<String, String> data = existing.get().getData();
    long index = Long.parseLong(unb64(data.get("index")));
    return EvolvingKey.adopt(open(log, "current", index, unb64(data.get("current"))), index);
  }

  /** Replaces the stored current key (after an evolution). */
  public void storeCurrent(AuditLog log, long index, byte[] key) {
    String sealed = seal(log, "current", index, key);
    client
        .secrets()
        .inNamespace(log.getMetadata().getNamespace())
        .withName(secretName(log))
        .edit(
            s -> {
              s.getData().put("current", b64(sealed));
              s.getData().put("index", b64(Long.toString(index)));
              return s;
            });
  }

  /**
   * The Ed25519 checkpoint-signing key of a log, created (sealed under role "signing") on first
   * use. Its public half is published in the AuditLog status.
   */
  public org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters signing(AuditLog log) {
    Secret s =
        secret(log)
            .orElseThrow(
                () ->
                    new IllegalStateException("audit keys of " + secretName(log) + " are missing"));
    String sealed = s.getData().get("signing");
    if (sealed == null) {
      var key = new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(new SecureRandom());
      byte[] seed = key.getEncoded();
      String text = seal(log, "signing", 0, seed);
      Arrays.fill(seed, (byte) 0);
      client
          .secrets()
          .inNamespace(log.getMetadata().getNamespace())
          .withName(secretName(log))
          .edit(
              x -> {
                x.getData().put("signing", b64(text));
                return x;
              });
      return key;
    }
    byte[] seed = open(log, "signing", 0, unb64(sealed));
    try {
      return new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(seed, 0);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /** K_0, for verification; the caller wipes it. */
  public byte[] initial(AuditLog log) {
    Secret s =
        secret(log)
            .orElseThrow(
                () ->
                    new IllegalStateException("audit keys of " + secretName(log) + " are missing"));
    return open(log, "k0", 0, unb64(s.getData().get("k0")));
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String unb64(String text) {
    byte[] bytes = Base64.getDecoder().decode(text);
    String out = new String(bytes, StandardCharsets.UTF_8);
    Arrays.fill(bytes, (byte) 0);
    return out;
  }
}
