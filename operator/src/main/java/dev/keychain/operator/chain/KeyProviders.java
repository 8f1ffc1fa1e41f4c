package dev.keychain.operator.chain;

import dev.keychain.core.envelope.EnvelopeException;
import dev.keychain.core.envelope.KeyProvider;
import dev.keychain.core.envelope.Pkcs11KeyProvider;
import dev.keychain.core.envelope.SecretKeyProvider;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import dev.keychain.operator.api.v1alpha1.MasterKeySpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The key provider (KEK holder) of a chain: a Secret of the chain's namespace (created with one
 * fresh KEK when missing, labelled so that the operator notices a rotation), or the operator's
 * PKCS#11 token.
 */
@Singleton
public class KeyProviders {
  /** Label on KEK Secrets; a change of such a Secret triggers rewrapping. */
  public static final String KEK_LABEL = "keychain.dev/kek";

  private final KubernetesClient client;
  private final Optional<String> pkcs11Library;
  private final long pkcs11Slot;
  private final Optional<String> pkcs11PinFile;
  private final String pkcs11Label;
  private volatile Pkcs11KeyProvider pkcs11;

  public KeyProviders(
      KubernetesClient client,
      @ConfigProperty(name = "keychain.pkcs11.library") Optional<String> pkcs11Library,
      @ConfigProperty(name = "keychain.pkcs11.slot", defaultValue = "0") long pkcs11Slot,
      @ConfigProperty(name = "keychain.pkcs11.pin-file") Optional<String> pkcs11PinFile,
      @ConfigProperty(name = "keychain.pkcs11.label", defaultValue = "keychain-kek")
          String pkcs11Label) {
    this.client = client;
    this.pkcs11Library = pkcs11Library;
    this.pkcs11Slot = pkcs11Slot;
    this.pkcs11PinFile = pkcs11PinFile;
    this.pkcs11Label = pkcs11Label;
  }

  /**
   * The KEKs a chain's keys are sealed under. The caller closes the result: a Secret's KEKs are
   * loaded for the call and wiped on close; the HSM's session is shared and outlives it.
   */
  public KeyProvider forChain(KeyChain chain) {
    MasterKeySpec spec = chain.getSpec().getMasterKey();
    String provider = spec == null ? MasterKeySpec.KUBERNETES_SECRET : spec.getProvider();
    if (MasterKeySpec.PKCS11.equals(provider)) {
      return new Borrowed(pkcs11());
    }
    String name = spec == null ? "keychain-kek" : spec.getSecretName();
    return fromSecret(chain.getMetadata().getNamespace(), name);
  }

  /** The KEKs of a Secret (created with one KEK if missing); the caller closes (wipes) them. */
  public KeyProvider forSecret(String namespace, String name) {
    return fromSecret(namespace, name);
  }

  private KeyProvider fromSecret(String namespace, String name) {
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      Map<String, String> data = new HashMap<>();
      SecretKeyProvider.newSecretData()
          .forEach(
              (k, v) -> {
                data.put(k, Base64.getEncoder().encodeToString(v));
                Arrays.fill(v, (byte) 0);
              });
      try {
        secret =
            client
                .resource(
                    new SecretBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(namespace)
                        .addToLabels(KEK_LABEL, "true")
                        .addToLabels("app.kubernetes.io/managed-by", "keychain-operator")
                        .endMetadata()
                        .withType("keychain.dev/kek")
                        .withData(data)
                        .build())
                .create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        secret = client.secrets().inNamespace(namespace).withName(name).get();
      }
    } else if (secret.getMetadata().getLabels() == null
        || !secret.getMetadata().getLabels().containsKey(KEK_LABEL)) {
      // A KEK Secret the user made: label it so that adding kek.v<N+1> triggers a rewrap.
      client
          .secrets()
          .inNamespace(namespace)
          .withName(name)
          .edit(
              s ->
                  new SecretBuilder(s)
                      .editMetadata()
                      .addToLabels(KEK_LABEL, "true")
                      .endMetadata()
                      .build());
    }
    Map<String, byte[]> raw = new HashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> raw.put(k, Base64.getDecoder().decode(v)));
    }
    try {
      return SecretKeyProvider.fromSecretData(namespace + "/" + name, raw);
    } catch (EnvelopeException e) {
      throw new ChainProblem("KekUnavailable", e.getMessage());
    } finally {
      raw.values().forEach(v -> Arrays.fill(v, (byte) 0));
    }
  }

  /** A shared provider lent to one caller: closing the loan leaves the provider open. */
  private record Borrowed(KeyProvider lent) implements KeyProvider {
    @Override
    public String primaryKekId() {
      return lent.primaryKekId();
    }

    @Override
    public boolean holds(String kekId) {
      return lent.holds(kekId);
    }

    @Override
    public Wrapped wrap(byte[] plaintext, byte[] associatedData) {
      return lent.wrap(plaintext, associatedData);
    }

    @Override
    public byte[] unwrap(Wrapped wrapped, byte[] associatedData) {
      return lent.unwrap(wrapped, associatedData);
    }

    @Override
    public void close() {}
  }

  @PreDestroy
  synchronized void close() {
    if (pkcs11 != null) {
      pkcs11.close();
      pkcs11 = null;
    }
  }

  private KeyProvider pkcs11() {
    if (pkcs11 == null) {
      synchronized (this) {
        if (pkcs11 == null) {
          if (pkcs11Library.isEmpty() || pkcs11PinFile.isEmpty()) {
            throw new ChainProblem(
                "KekUnavailable",
                "provider pkcs11 needs the operator settings keychain.pkcs11.library and"
                    + " keychain.pkcs11.pin-file");
          }
          char[] pin;
          try {
            pin = Files.readString(Path.of(pkcs11PinFile.get())).trim().toCharArray();
          } catch (IOException e) {
            throw new ChainProblem("KekUnavailable", "cannot read the PKCS#11 PIN file: " + e);
          }
          try {
            Pkcs11KeyProvider provider =
                Pkcs11KeyProvider.open(Path.of(pkcs11Library.get()), pkcs11Slot, pin, pkcs11Label);
            if (!provider.hasKek()) {
              provider.generateKek();
            }
            pkcs11 = provider;
          } catch (EnvelopeException e) {
            throw new ChainProblem("KekUnavailable", e.getMessage());
          } finally {
            Arrays.fill(pin, '\0');
          }
        }
      }
    }
    return pkcs11;
  }
}
