package dev.keychain.operator.chain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.keychain.core.envelope.EnvelopeException;
import dev.keychain.core.envelope.SealedKey;
import dev.keychain.core.json.MalformedJsonException;
import dev.keychain.core.keyset.InstanceKeyset;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes the Secret that holds a chain's sealed session key, epochs and instance keyset:
 * {@code <chain>-keychain}, owned by the KeyChain, type {@code keychain.dev/sealed-chain}. Writes
 * carry the resourceVersion they read, so concurrent writers conflict instead of overwriting.
 */
@Singleton
public class ChainSecrets {
  public static final String TYPE = "keychain.dev/sealed-chain";
  static final String SESSION = "session";
  static final String STATE = "state";
  static final String INSTANCES = "instances";
  public static final String CHAIN_LABEL = "keychain.dev/chain";
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private final KubernetesClient client;

  public ChainSecrets(KubernetesClient client) {
    this.client = client;
  }

  public static String secretName(KeyChain chain) {
    return secretName(chain.getMetadata().getName());
  }

  public static String secretName(String chainName) {
    return chainName + "-keychain";
  }

  public Optional<SealedChain> read(KeyChain chain) {
    Secret secret =
        client
            .secrets()
            .inNamespace(chain.getMetadata().getNamespace())
            .withName(secretName(chain))
            .get();
    return secret == null ? Optional.empty() : Optional.of(parse(secret));
  }

  /** The chain's Secret as {@link #read} reads it; a chain not yet created is a problem. */
  public SealedChain require(KeyChain chain) {
    return read(chain).orElseThrow(() -> ChainProblem.notInitialized(chain));
  }

  /**
   * Reads a chain Secret. A Secret written before instance keysets existed has no {@code instances}
   * entry and reads as an empty keyset (instances are adopted as they reconcile).
   *
   * @throws IllegalStateException naming the Secret and the entry that cannot be read
   */
  public static SealedChain parse(Secret secret) {
    String name = secret.getMetadata().getName();
    if (!TYPE.equals(secret.getType())) {
      throw new IllegalStateException(
          "Secret " + name + " exists but is not of type " + TYPE + "; rename it");
    }
    Map<String, String> data = secret.getData();
    if (data == null || !data.containsKey(SESSION) || !data.containsKey(STATE)) {
      throw new IllegalStateException(
          "Secret " + name + " lacks its '" + SESSION + "' or '" + STATE + "' entry");
    }
    ChainState state;
    try {
      state = JSON.readValue(decode(data.get(STATE)), ChainState.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "Secret " + name + " has an unreadable state entry: " + e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      throw unreadable(name, STATE, e);
    }
    SealedKey session;
    try {
      session = SealedKey.parse(decode(data.get(SESSION)));
    } catch (IllegalArgumentException | EnvelopeException e) {
      throw unreadable(name, SESSION, e);
    }
    InstanceKeyset instances = InstanceKeyset.empty();
    if (data.containsKey(INSTANCES)) {
      String document = "Secret " + name + " entry '" + INSTANCES + "'";
      byte[] json;
      try {
        json = Base64.getDecoder().decode(data.get(INSTANCES));
      } catch (IllegalArgumentException e) {
        throw unreadable(name, INSTANCES, e);
      }
      try {
        instances = InstanceKeyset.decode(json, document);
      } catch (MalformedJsonException e) {
        throw new IllegalStateException(e.getMessage());
      }
    }
    return new SealedChain(session, state, instances, secret.getMetadata().getResourceVersion());
  }

  /** Names the Secret and entry; the cause's message says what is wrong, never the content. */
  private static IllegalStateException unreadable(String secret, String entry, Exception cause) {
    return new IllegalStateException(
        "Secret " + secret + " entry '" + entry + "' is unreadable: " + cause.getMessage());
  }

  /** Creates the Secret; fails with a conflict if it exists. */
  public SealedChain create(KeyChain chain, SealedKey session, ChainState state) {
    InstanceKeyset none = InstanceKeyset.empty();
    Secret created = client.resource(build(chain, session, state, none, null)).create();
    return new SealedChain(session, state, none, created.getMetadata().getResourceVersion());
  }

  /**
   * Replaces the Secret if it is still at {@code previous}'s resourceVersion (else 409), keeping
   * its instance keyset.
   */
  public SealedChain update(
      KeyChain chain, SealedChain previous, SealedKey session, ChainState state) {
    return write(chain, previous, session, state, previous.instances());
  }

  /** Replaces the instance keyset if the Secret is still at {@code previous} (else 409). */
  public SealedChain update(KeyChain chain, SealedChain previous, InstanceKeyset instances) {
    return write(chain, previous, previous.session(), previous.state(), instances);
  }

  private SealedChain write(
      KeyChain chain,
      SealedChain previous,
      SealedKey session,
      ChainState state,
      InstanceKeyset instances) {
    Secret updated =
        client
            .resource(build(chain, session, state, instances, previous.resourceVersion()))
            .update();
    return new SealedChain(session, state, instances, updated.getMetadata().getResourceVersion());
  }

  public void delete(KeyChain chain) {
    client
        .secrets()
        .inNamespace(chain.getMetadata().getNamespace())
        .withName(secretName(chain))
        .delete();
  }

  static Secret build(
      KeyChain chain,
      SealedKey session,
      ChainState state,
      InstanceKeyset instances,
      String version) {
    try {
      return new SecretBuilder()
          .withNewMetadata()
          .withName(secretName(chain))
          .withNamespace(chain.getMetadata().getNamespace())
          .withResourceVersion(version)
          .addToLabels("app.kubernetes.io/managed-by", "keychain-operator")
          .addToLabels(CHAIN_LABEL, chain.getMetadata().getName())
          .withOwnerReferences(
              new OwnerReferenceBuilder()
                  .withApiVersion(chain.getApiVersion())
                  .withKind(chain.getKind())
                  .withName(chain.getMetadata().getName())
                  .withUid(chain.getMetadata().getUid())
                  .withController(true)
                  .withBlockOwnerDeletion(true)
                  .build())
          .endMetadata()
          .withType(TYPE)
          .addToData(SESSION, encode(session.encode()))
          .addToData(STATE, encode(JSON.writeValueAsString(state)))
          .addToData(INSTANCES, Base64.getEncoder().encodeToString(instances.encode()))
          .build();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise chain state", e);
    }
  }

  private static String encode(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }
}
