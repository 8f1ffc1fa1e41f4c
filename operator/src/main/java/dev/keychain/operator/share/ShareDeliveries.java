package dev.keychain.operator.share;

import dev.keychain.core.auth.GrantDecider;
import dev.keychain.core.auth.Messages;
import dev.keychain.core.chain.KeyId;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.envelope.Envelope;
import dev.keychain.core.share.OneTimeKeys;
import dev.keychain.core.share.ShareBinding;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.chain.KeyProviders;
import dev.keychain.operator.chain.OpenChains;
import dev.keychain.operator.chain.TenantShares;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;

/**
 * The share versions to deliver with an agent's grant (seed 004 steps 7 to 9, 13 and 14): every
 * stored version entitling the agent's instance, its one-time key opened from the owner chain's
 * envelope (KEK, then the tenant share) for the handshake to encrypt under the session. A version
 * that cannot be opened now (its chain not loaded, the key provider down, the store unreadable) is
 * withheld with the reason: the agent keeps what it holds of it.
 */
@Singleton
public class ShareDeliveries {
  /** What to serve (the handshake destroys the one-time keys) and what to withhold, and why. */
  public record Deliveries(List<Served> served, List<Withheld> withheld) {
    /** The deliveries for the handshake. */
    public List<GrantDecider.ShareDelivery> deliveries() {
      return served.stream().map(Served::delivery).toList();
    }

    public List<String> withheldIds() {
      return withheld.stream().map(Withheld::id).toList();
    }

    /** {@code namespace/share=version,...} of the versions served, sorted: the pod's ack. */
    public String acknowledgement() {
      return served.stream()
          .map(s -> s.id() + "=" + s.delivery().binding().version())
          .sorted()
          .collect(java.util.stream.Collectors.joining(","));
    }
  }

  /**
   * A version served, with its one-time key's ID as stored (still known once the handshake has
   * destroyed the key).
   */
  public record Served(GrantDecider.ShareDelivery delivery, String keyId) {
    public String id() {
      return delivery.binding().namespace() + "/" + delivery.binding().share();
    }
  }

  /** A share not served now ({@code namespace/share}). */
  public record Withheld(String id, String reason) {}

  private final ShareIndex index;
  private final OpenChains chains;
  private final KeyProviders kek;
  private final TenantShares tenantShares;

  public ShareDeliveries(
      ShareIndex index, OpenChains chains, KeyProviders kek, TenantShares tenantShares) {
    this.index = index;
    this.chains = chains;
    this.kek = kek;
    this.tenantShares = tenantShares;
  }

  /**
   * The deliveries for {@code instance} ({@code namespace/name}); empty until the stores are loaded
   * ({@link ShareIndex#loaded}: the caller refuses the grant as unavailable then).
   */
  public Deliveries forInstance(String instance) {
    List<Served> served = new ArrayList<>();
    List<Withheld> withheld = new ArrayList<>();
    for (ShareIndex.Entry e : index.entitling(instance)) {
      if (served.size() + withheld.size() == Messages.MAX_SHARES) {
        break; // the rest are not served: a bundle carries at most MAX_SHARES
      }
      if (e.stored().isEmpty()) {
        withheld.add(new Withheld(e.id(), e.problem()));
        continue;
      }
      try {
        served.add(new Served(open(e), e.stored().get().version().keyId()));
      } catch (RuntimeException ex) {
        withheld.add(new Withheld(e.id(), ex.getMessage()));
      }
    }
    return new Deliveries(served, withheld);
  }

  private GrantDecider.ShareDelivery open(ShareIndex.Entry e) {
    ShareStore.Stored stored = e.stored().orElseThrow();
    ShareBinding binding = e.binding();
    KeyChain chain = chains.get(e.namespace(), stored.version().chain());
    if (chain == null) {
      throw new IllegalStateException(
          "KeyChain " + stored.version().chain() + " of the owner is not loaded");
    }
    try (SecretBytes tenantShare = tenantShares.read(chain)) {
      SecretBytes otk =
          Envelope.open(
              kek.forChain(chain),
              stored.key(),
              tenantShare,
              OneTimeKeys.envelope(
                  chain.getMetadata().getName(), binding, KeyId.parse(stored.version().keyId())));
      return new GrantDecider.ShareDelivery(binding, otk, stored.item());
    }
  }
}
