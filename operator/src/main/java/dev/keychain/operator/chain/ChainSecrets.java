package dev.keychain.operator.chain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.keychain.core.envelope.SealedKey;
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
 * Reads and writes the Secret that holds a chain's sealed session key and epochs: {@code
 * <chain>-keychain}, owned by the KeyChain, type {@code keychain.dev/sealed-chain}. Writes carry
 * the resourceVersion they read, so concurrent writers conflict instead of overwriting.
 */
@Singleton
public class ChainSecrets {
  public static final String TYPE = "keychain.dev/sealed-chain";
  static final String SESSION = "session";
  static final String STATE = "state";
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private final KubernetesClient client;

  public ChainSecrets(KubernetesClient client) {
    this.client = client;
  }

  public static String secretName(KeyChain chain) {
    return chain.getMetadata().getName() + "-keychain";
  }

  public Optional<SealedChain> read(KeyChain chain) {
    Secret secret =
        client
            .secrets()
            .inNamespace(chain.getMetadata().getNamespace())
            .withName(secretName(chain))
            .get();
    if (secret == null) {
      return Optional.empty();
    }
    if (!TYPE.equals(secret.getType())) {
      throw new IllegalStateException(
          "Secret " + secretName(chain) + " exists but is not of type " + TYPE + "; rename it");
    }
    Map<String, String> data = secret.getData();
    if (data == null || !data.containsKey(SESSION) || !data.containsKey(STATE)) {
      throw new IllegalStateException(
          "Secret " + secretName(chain) + " lacks its '" + SESSION + "' or '" + STATE + "' entry");
    }
    try {
      return Optional.of(
          new SealedChain(
              SealedKey.parse(decode(data.get(SESSION))),
              JSON.readValue(decode(data.get(STATE)), ChainState.class),
              secret.getMetadata().getResourceVersion()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "Secret "
              + secretName(chain)
              + " has an unreadable state entry: "
              + e.getOriginalMessage());
    }
  }

  /** Creates the Secret; fails with a conflict if it exists. */
  public SealedChain create(KeyChain chain, SealedKey session, ChainState state) {
    Secret created = client.resource(build(chain, session, state, null)).create();
    return new SealedChain(session, state, created.getMetadata().getResourceVersion());
  }

  /** Replaces the Secret if it is still at {@code previous}'s resourceVersion (else 409). */
  public SealedChain update(
      KeyChain chain, SealedChain previous, SealedKey session, ChainState state) {
    Secret updated =
        client.resource(build(chain, session, state, previous.resourceVersion())).update();
    return new SealedChain(session, state, updated.getMetadata().getResourceVersion());
  }

  public void delete(KeyChain chain) {
    client
        .secrets()
        .inNamespace(chain.getMetadata().getNamespace())
        .withName(secretName(chain))
        .delete();
  }

  private static Secret build(KeyChain chain, SealedKey session, ChainState state, String version) {
    try {
      return new SecretBuilder()
          .withNewMetadata()
          .withName(secretName(chain))
          .withNamespace(chain.getMetadata().getNamespace())
          .withResourceVersion(version)
          .addToLabels("app.kubernetes.io/managed-by", "keychain-operator")
          .addToLabels("keychain.dev/chain", chain.getMetadata().getName())
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
