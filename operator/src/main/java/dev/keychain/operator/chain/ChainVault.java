package dev.keychain.operator.chain;

import dev.keychain.core.chain.ChainKey;
import dev.keychain.core.chain.KeyDerivation;
import dev.keychain.core.chain.KeyId;
import dev.keychain.core.chain.KeyLevel;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.envelope.Envelope;
import dev.keychain.core.envelope.EnvelopeContext;
import dev.keychain.core.envelope.EnvelopeException;
import dev.keychain.core.envelope.KeyProvider;
import dev.keychain.core.envelope.SealedKey;
import dev.keychain.core.keyset.InstanceKeyset;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Opens and creates chains: the only place where the session key is sealed or unsealed, with the
 * chain's KEK (key provider) and tenant share.
 */
@Singleton
public class ChainVault {
  private final ChainSecrets secrets;
  private final KeysetWrites writes;
  private final KeyProviders providers;
  private final TenantShares shares;

  private final Keysets keysets;

  public ChainVault(
      ChainSecrets secrets, KeyProviders providers, TenantShares shares, Keysets keysets) {
    this.secrets = secrets;
    this.keysets = keysets;
    this.writes = new KeysetWrites(secrets, keysets, this::cached);
    this.providers = providers;
    this.shares = shares;
  }

  /** The envelope context of a chain's session key; the chain's namespace/name binds it. */
  static EnvelopeContext sessionContext(KeyChain chain, KeyId sessionKeyId) {
    return new EnvelopeContext(
        chain.getMetadata().getNamespace() + "/" + chain.getMetadata().getName(),
        "",
        KeyLevel.SESSION,
        0,
        sessionKeyId);
  }

  /** The KEK new envelopes of {@code chain} are sealed under. */
  public String primaryKekId(KeyChain chain) {
    try (KeyProvider kek = providers.forChain(chain)) {
      return kek.primaryKekId();
    }
  }

  public Optional<SealedChain> read(KeyChain chain) {
    return secrets.read(chain);
  }

  /**
   * The chain as this replica last saw it stored: from the chain Secret informer (or this replica's
   * own last write), from the API server while that is not loaded or has not seen it. Writes check
   * the resourceVersion, so a stale read costs a retry, never a lost update.
   *
   * @throws ChainProblem ChainUnreadable if the stored Secret cannot be read
   */
  public Optional<SealedChain> cached(KeyChain chain) {
    try {
      Optional<SealedChain> seen =
          keysets.get(chain.getMetadata().getNamespace(), chain.getMetadata().getName());
      if (seen.isPresent()) {
        return seen;
      }
    } catch (ChainProblem problem) {
      if (!problem.reason().equals(Keysets.NOT_LOADED)) {
        throw problem;
      }
    }
    return secrets.read(chain);
  }

  /** Creates a chain: a fresh session key, sealed, with every group at epoch 0. */
  public SealedChain create(KeyChain chain, Map<String, ChainState.Group> groups) {
    try (KeyProvider kek = providers.forChain(chain);
        SecretBytes share = shares.read(chain);
        ChainKey session =
            KeyDerivation.newSession(
                chain.getMetadata().getNamespace() + "/" + chain.getMetadata().getName(),
                Instant.now())) {
      SealedKey sealed =
          Envelope.seal(
              kek,
              session.secret(SecretAccess.grant()),
              share,
              sessionContext(chain, session.keyId()));
      return written(
          chain,
          secrets.create(chain, sealed, new ChainState(session.keyId().hex(), 0, groups, null)));
    }
  }

  /** Opens a chain's session key; the caller closes the result. */
  public OpenChain open(KeyChain chain, SealedChain sealed) {
    KeyId id = KeyId.parse(sealed.state().sessionKeyId());
    try (KeyProvider kek = providers.forChain(chain);
        SecretBytes share = shares.read(chain)) {
      SecretBytes sk = Envelope.open(kek, sealed.session(), share, sessionContext(chain, id));
      ChainKey session =
          KeyDerivation.session(
              chain.getMetadata().getNamespace() + "/" + chain.getMetadata().getName(),
              0,
              Instant.EPOCH,
              sk);
      return new OpenChain(session, sealed);
    } catch (EnvelopeException e) {
      throw new ChainProblem(
          switch (e.reason()) {
            case WRONG_TENANT_SHARE -> "WrongTenantShare";
            case UNKNOWN_KEK -> "KekUnavailable";
            case AUTHENTICATION_FAILED -> "SealedKeyRejected";
            default -> "SealedKeyUnreadable";
          },
          e.getMessage());
    }
  }

  /** Opens the chain as {@link #cached} sees it; a chain not yet created is a problem. */
  public OpenChain open(KeyChain chain) {
    return open(chain, cached(chain).orElseThrow(() -> ChainProblem.notInitialized(chain)));
  }

  /** Re-encrypts the sealed session key under the provider's primary KEK (KEK rotation). */
  public SealedChain rewrap(KeyChain chain, SealedChain sealed) {
    SealedKey rewrapped;
    try (KeyProvider kek = providers.forChain(chain)) {
      rewrapped =
          Envelope.rewrap(
              kek,
              sealed.session(),
              sessionContext(chain, KeyId.parse(sealed.state().sessionKeyId())));
    }
    return rewrapped == sealed.session()
        ? sealed
        : written(chain, secrets.update(chain, sealed, rewrapped, sealed.state()));
  }

  /** Stores new epochs (keeping the sealed key). */
  public SealedChain store(KeyChain chain, SealedChain sealed, ChainState state) {
    return written(chain, secrets.update(chain, sealed, sealed.session(), state));
  }

  private SealedChain written(KeyChain chain, SealedChain stored) {
    keysets.written(chain, stored);
    return stored;
  }

  /** A change to a chain's instance keyset; refuses with the reason if it would lower an epoch. */
  @FunctionalInterface
  public interface KeysetChange extends KeysetWrites.Change {}

  /**
   * Applies {@code change} to the chain's instance keyset as it is stored now and writes it with
   * that resourceVersion (batched with concurrent changes to the same chain; re-applied on a
   * conflict). Returns the keyset stored.
   *
   * @throws ChainProblem EpochRegression if the change would lower an epoch (nothing of it is
   *     written), ChainNotInitialized if the chain has no Secret
   */
  public InstanceKeyset storeInstances(KeyChain chain, KeysetChange change) {
    return writes.store(chain, change);
  }

  public void destroy(KeyChain chain) {
    secrets.delete(chain);
  }
}
