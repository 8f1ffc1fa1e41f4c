package dev.keychain.operator.share;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keychain.core.envelope.SealedKey;
import dev.keychain.core.share.SealedItem;
import dev.keychain.operator.api.v1alpha1.KeyShare;
import dev.keychain.operator.chain.ChainProblem;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The store of record of a KeyShare: Secret {@code keyshare.<name>} of its namespace (type {@value
 * #TYPE}, owned by the KeyShare) holding the current version: what it is bound to, the item sealed
 * with the version's one-time key, and that key sealed by the owner's chain envelope (tenant share,
 * then KEK). Written with the resourceVersion it was read at, so two writers never both win; the
 * KeyShare's status is only a projection of it.
 */
@Singleton
public class ShareStore {
  public static final String TYPE = "keychain.dev/keyshare";

  /** The label every store carries, valued with its share's name. */
  public static final String LABEL = "keychain.dev/keyshare";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the current version is bound to and made from (never the item or key). */
  public record Version(
      long version,
      String owner,
      List<String> recipients,
      String chain,
      String source,
      String keyId,
      String versionedAt) {}

  /** A version as stored, with its sealed key and item. */
  public record Stored(Version version, SealedKey key, SealedItem item, String resourceVersion) {}

  private final KubernetesClient client;

  public ShareStore(KubernetesClient client) {
    this.client = client;
  }

  static String secretName(String share) {
    return "keyshare." + share;
  }

  public Optional<Stored> read(String namespace, String share) {
    Secret s = client.secrets().inNamespace(namespace).withName(secretName(share)).get();
    if (s == null) {
      return Optional.empty();
    }
    return Optional.of(parse(s, share));
  }

  /**
   * The version a store Secret holds.
   *
   * @throws ChainProblem StoreUnreadable, naming what is wrong
   */
  static Stored parse(Secret s, String share) {
    if (!TYPE.equals(s.getType()) || s.getData() == null) {
      throw new ChainProblem(
          "StoreUnreadable",
          "Secret " + secretName(share) + " is not a KeyShare store (type " + s.getType() + ")");
    }
    Map<String, String> data = s.getData();
    try {
      Version v = JSON.readValue(decode(data.get("state")), Version.class);
      return new Stored(
          v,
          SealedKey.parse(new String(decode(data.get("key")), StandardCharsets.UTF_8)),
          SealedItem.decode(new String(decode(data.get("item")), StandardCharsets.UTF_8)),
          s.getMetadata().getResourceVersion());
    } catch (IOException | RuntimeException e) {
      throw new ChainProblem(
          "StoreUnreadable",
          "Secret "
              + secretName(share)
              + " does not hold a readable KeyShare version: "
              + e.getMessage());
    }
  }

  /**
   * Writes {@code version} over {@code previous} (empty: creates the store).
   *
   * @throws io.fabric8.kubernetes.client.KubernetesClientException 409 when another writer got
   *     there first
   */
  public void write(
      KeyShare share, Optional<Stored> previous, Version version, SealedKey key, SealedItem item)
      throws IOException {
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(secretName(share.getMetadata().getName()))
            .withNamespace(share.getMetadata().getNamespace())
            .addToLabels(LABEL, share.getMetadata().getName())
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(share.getApiVersion())
                    .withKind(share.getKind())
                    .withName(share.getMetadata().getName())
                    .withUid(share.getMetadata().getUid())
                    .withController(true)
                    .build())
            .withResourceVersion(previous.map(Stored::resourceVersion).orElse(null))
            .endMetadata()
            .withType(TYPE)
            .addToData("state", encode(JSON.writeValueAsBytes(version)))
            .addToData("key", encode(key.encode().getBytes(StandardCharsets.UTF_8)))
            .addToData("item", encode(item.encode().getBytes(StandardCharsets.UTF_8)))
            .build();
    if (previous.isEmpty()) {
      client.resource(secret).create();
    } else {
      client.resource(secret).update();
    }
  }

  /** Deletes the store: the sealed key and item go with it. */
  public void delete(String namespace, String share) {
    client.secrets().inNamespace(namespace).withName(secretName(share)).delete();
  }

  private static String encode(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  private static byte[] decode(String b64) {
    if (b64 == null) {
      throw new IllegalArgumentException("an entry is missing");
    }
    return Base64.getDecoder().decode(b64);
  }
}
