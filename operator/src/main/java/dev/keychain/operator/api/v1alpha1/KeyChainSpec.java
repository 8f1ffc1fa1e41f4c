package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** What a KeyChain should be. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeyChainSpec {
  @JsonPropertyDescription("Which key provider wraps this chain's stored keys (the KEK holder).")
  private MasterKeySpec masterKey = new MasterKeySpec();

  @Required
  @JsonPropertyDescription(
      "The tenant-held share (seed 004's user key): a Secret in this namespace whose entry holds"
          + " 32 random bytes. Stored keys open only with both the KEK and this share.")
  private SecretKeyRef tenantShareSecretRef;

  @Required
  @Size(min = 1, max = 64)
  @ValidationRule(
      value = "self.all(g, self.exists_one(h, h.name == g.name))",
      message = "group names must be unique")
  @JsonPropertyDescription("The cluster groups (A, B, ...), each with its own group key.")
  private List<ClusterGroupSpec> groups = new ArrayList<>();

  @JsonPropertyDescription("When keys rotate on their own, and on-demand rotation.")
  private RotationSpec rotation;

  @Default("128")
  @ValidationRule(value = "self == 128 || self == 256", message = "subKeyBits must be 128 or 256")
  @JsonPropertyDescription("Length of agent sub keys: 128 (as in the paper) or 256 bits.")
  private Integer subKeyBits = 128;

  public MasterKeySpec getMasterKey() {
    return masterKey;
  }

  public void setMasterKey(MasterKeySpec masterKey) {
    this.masterKey = masterKey;
  }

  public SecretKeyRef getTenantShareSecretRef() {
    return tenantShareSecretRef;
  }

  public void setTenantShareSecretRef(SecretKeyRef tenantShareSecretRef) {
    this.tenantShareSecretRef = tenantShareSecretRef;
  }

  public List<ClusterGroupSpec> getGroups() {
    return groups;
  }

  public void setGroups(List<ClusterGroupSpec> groups) {
    this.groups = groups;
  }

  public RotationSpec getRotation() {
    return rotation;
  }

  public void setRotation(RotationSpec rotation) {
    this.rotation = rotation;
  }

  public Integer getSubKeyBits() {
    return subKeyBits;
  }

  public void setSubKeyBits(Integer subKeyBits) {
    this.subKeyBits = subKeyBits;
  }
}
