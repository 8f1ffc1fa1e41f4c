package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.keychain.core.lifecycle.InstanceState;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;

/** What an instance should be. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(oldSelf.keyChain) || self.keyChain == oldSelf.keyChain",
    message = "keyChain is immutable: delete and recreate the instance to move it to another chain")
@ValidationRule(
    value = "!has(oldSelf.state) || oldSelf.state != 'Deleted' || self.state == 'Deleted'",
    message = "a Deleted instance cannot be brought back")
public class SecureInstanceSpec {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
  @JsonPropertyDescription("The KeyChain (same namespace) this instance's keys come from.")
  private String keyChain;

  @Required
  @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
  @JsonPropertyDescription(
      "The chain's cluster group; changing it moves the instance (keys re-derived).")
  private String clusterGroup;

  @Required
  @JsonPropertyDescription("The pods of this instance.")
  private LabelSelector selector;

  @Default("Running")
  @JsonPropertyDescription(
      "Desired state: Running grants keys; Paused and Stopped restrict them; Restart rotates the"
          + " sub keys and runs again; Deleted revokes every key and deletes the instance.")
  private InstanceState state = InstanceState.Running;

  @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
  @JsonPropertyDescription("Optional SignerWhitelist that governs this instance's images.")
  private String signerWhitelist;

  public String getKeyChain() {
    return keyChain;
  }

  public void setKeyChain(String keyChain) {
    this.keyChain = keyChain;
  }

  public String getClusterGroup() {
    return clusterGroup;
  }

  public void setClusterGroup(String clusterGroup) {
    this.clusterGroup = clusterGroup;
  }

  public LabelSelector getSelector() {
    return selector;
  }

  public void setSelector(LabelSelector selector) {
    this.selector = selector;
  }

  public InstanceState getState() {
    return state;
  }

  public void setState(InstanceState state) {
    this.state = state;
  }

  public String getSignerWhitelist() {
    return signerWhitelist;
  }

  public void setSignerWhitelist(String signerWhitelist) {
    this.signerWhitelist = signerWhitelist;
  }
}
