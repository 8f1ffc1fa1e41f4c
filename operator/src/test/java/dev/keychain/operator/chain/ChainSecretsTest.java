package dev.keychain.operator.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.envelope.SealedKey;
import dev.keychain.core.keyset.InstanceKeys;
import dev.keychain.core.keyset.InstanceKeyset;
import dev.keychain.core.lifecycle.AuthorizationRow;
import dev.keychain.core.lifecycle.InstanceState;
import dev.keychain.core.lifecycle.Timestamps;
import dev.keychain.operator.api.v1alpha1.KeyChain;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChainSecretsTest {
  private static final SealedKey SESSION = new SealedKey("test/kek:v1", new byte[12], new byte[48]);
  private static final ChainState STATE =
      new ChainState(
          "ab".repeat(32), 0, Map.of("A", new ChainState.Group(0, null, null, false)), null);

  private static KeyChain chain() {
    KeyChain chain = new KeyChain();
    chain.getMetadata().setName("tenant");
    chain.getMetadata().setNamespace("team-a");
    chain.getMetadata().setUid("uid-1");
    return chain;
  }

  private static InstanceKeyset oneInstance() throws Exception {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    return InstanceKeyset.empty()
        .with(
            "team-a",
            "web",
            new InstanceKeys(
                new AuthorizationRow(
                    InstanceState.Running, false, "A", new Timestamps(t, t, null, null, t)),
                2,
                null,
                1));
  }

  @Test
  void readsBackTheKeysetItWrote() throws Exception {
    Secret secret = ChainSecrets.build(chain(), SESSION, STATE, oneInstance(), "7");
    SealedChain back = ChainSecrets.parse(secret);
    assertEquals(oneInstance(), back.instances());
    assertEquals(STATE, back.state());
    assertEquals("tenant", secret.getMetadata().getLabels().get(ChainSecrets.CHAIN_LABEL));
  }

  @Test
  void aSecretOfAnOlderReleaseHasAnEmptyKeyset() throws Exception {
    Secret secret = ChainSecrets.build(chain(), SESSION, STATE, oneInstance(), "7");
    secret.getData().remove("instances");
    SealedChain back = ChainSecrets.parse(secret);
    assertEquals(InstanceKeyset.empty(), back.instances());
    assertEquals(STATE, back.state());
  }

  @Test
  void aDamagedKeysetIsRefusedNamingTheSecretAndEntry() throws Exception {
    Secret secret = ChainSecrets.build(chain(), SESSION, STATE, oneInstance(), "7");
    secret
        .getData()
        .put(
            "instances",
            Base64.getEncoder()
                .encodeToString(
                    "{\"format\":1,\"instances\":{\"team-a/web\":{\"state\":\"Lost\"}},\"retired\":{}}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    String message =
        assertThrows(IllegalStateException.class, () -> ChainSecrets.parse(secret)).getMessage();
    assertTrue(message.contains("tenant-keychain"), message);
    assertTrue(message.contains("'instances'"), message);
  }

  @Test
  void damagedEntriesAreRefusedNamingTheSecretAndEntry() throws Exception {
    for (String entry : java.util.List.of("session", "state", "instances")) {
      Secret secret = ChainSecrets.build(chain(), SESSION, STATE, oneInstance(), "7");
      secret.getData().put(entry, "not base64 %%%");
      String message =
          assertThrows(IllegalStateException.class, () -> ChainSecrets.parse(secret)).getMessage();
      assertTrue(message.contains("tenant-keychain"), message);
      assertTrue(message.contains("'" + entry + "'"), message);
    }
    Secret secret = ChainSecrets.build(chain(), SESSION, STATE, oneInstance(), "7");
    secret.getData().put("session", Base64.getEncoder().encodeToString("kc1.nonsense".getBytes()));
    String message =
        assertThrows(IllegalStateException.class, () -> ChainSecrets.parse(secret)).getMessage();
    assertTrue(message.contains("'session'"), message);
  }
}
