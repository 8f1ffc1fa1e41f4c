package dev.keychain.operator.share;

import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.SubKeySize;
import dev.keychain.core.crypto.Hashes;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.keyset.InstanceKeys;
import dev.keychain.core.share.SealedItem;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.KeyShare;
import dev.keychain.operator.api.v1alpha1.SecretKeyRef;
import dev.keychain.operator.chain.ChainProblem;
import dev.keychain.operator.chain.ChainSecrets;
import dev.keychain.operator.chain.OpenChains;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Singleton;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The plaintext of a share's item and what it was made from ({@code source}: a new source is a new
 * version). A derived key comes from the owner's chain: the owner's group key at its epoch, for
 * agent identity {@code keyshare:<namespace>/<owner>/<purpose>} at the owner's sub-key epoch, so a
 * Restart of the owner (a new epoch) or a move to another group makes a new version.
 */
@Singleton
public class ShareItems {
  /** The label a Secret needs before its entries can be shared. */
  public static final String SHAREABLE_LABEL = "keychain.dev/shareable";

  /** The item (the caller zeroes it) and its source. */
  public record Item(byte[] plaintext, String source) {}

  private final KubernetesClient client;
  private final OpenChains chains;

  public ShareItems(KubernetesClient client, OpenChains chains) {
    this.client = client;
    this.chains = chains;
  }

  Item derivedKey(
      KeyShare share, KeyChain chain, InstanceKeys owner, long groupEpoch, String purpose) {
    String ns = share.getMetadata().getNamespace();
    String identity = "keyshare:" + ns + "/" + share.getSpec().getOwner() + "/" + purpose;
    byte[] key =
        chains.with(
            chain,
            open -> {
              try (ChainKey k =
                  open.subKey(
                      owner.group(),
                      groupEpoch,
                      identity,
                      owner.subKeyEpoch(),
                      SubKeySize.ofBits(256))) {
                return k.secret(SecretAccess.grant()).toByteArray(SecretAccess.grant());
              }
            });
    return new Item(
        key,
        "derivedKey:"
            + purpose
            + "@"
            + owner.group()
            + "/"
            + groupEpoch
            + "/"
            + owner.subKeyEpoch());
  }

  Item secretEntry(KeyShare share, SecretKeyRef ref) {
    String ns = share.getMetadata().getNamespace();
    Secret secret = client.secrets().inNamespace(ns).withName(ref.getName()).get();
    if (secret == null) {
      throw new ChainProblem(
          "ItemNotFound", "Secret " + ref.getName() + " does not exist in " + ns);
    }
    if (secret.getType() != null
        && (secret.getType().equals(ShareStore.TYPE)
            || secret.getType().equals(ChainSecrets.TYPE))) {
      throw new ChainProblem(
          "ItemRefused",
          "Secret "
              + ref.getName()
              + " is the operator's own store (type "
              + secret.getType()
              + "): a share cannot carry another share or a chain");
    }
    // whoever may create KeyShares must not reach Secrets their owner did not mark shareable
    var labels = secret.getMetadata().getLabels();
    if (labels == null || !"true".equals(labels.get(SHAREABLE_LABEL))) {
      throw new ChainProblem(
          "ItemRefused",
          "Secret "
              + ref.getName()
              + " is not shareable: whoever administers it must label it "
              + SHAREABLE_LABEL
              + "=true");
    }
    String value = secret.getData() == null ? null : secret.getData().get(ref.getKey());
    if (value == null) {
      throw new ChainProblem(
          "ItemNotFound", "Secret " + ref.getName() + " has no entry '" + ref.getKey() + "'");
    }
    byte[] plaintext = Base64.getDecoder().decode(value);
    if (plaintext.length > SealedItem.MAX_ITEM_BYTES) {
      int n = plaintext.length;
      java.util.Arrays.fill(plaintext, (byte) 0);
      throw new ChainProblem(
          "ItemTooLarge",
          "entry '"
              + ref.getKey()
              + "' of Secret "
              + ref.getName()
              + " is "
              + n
              + " bytes; at most "
              + SealedItem.MAX_ITEM_BYTES
              + " are shared");
    }
    // the source names the content by hash: a changed entry is a new version
    return new Item(
        plaintext,
        "secretRef:"
            + ref.getName()
            + "/"
            + ref.getKey()
            + "@"
            + HexFormat.of().formatHex(Hashes.sha256(plaintext)));
  }
}
