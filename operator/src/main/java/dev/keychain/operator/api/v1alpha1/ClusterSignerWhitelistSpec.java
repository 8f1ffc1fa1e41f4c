package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A SignerWhitelistSpec and the namespaces it governs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClusterSignerWhitelistSpec extends SignerWhitelistSpec {
  @JsonPropertyDescription(
      "Namespaces this whitelist governs, by their labels (e.g. `kubernetes.io/metadata.name`); absent or empty: every namespace where image admission is enabled.")
  private NamespaceSelectorSpec namespaceSelector;

  public NamespaceSelectorSpec getNamespaceSelector() {
    return namespaceSelector;
  }

  public void setNamespaceSelector(NamespaceSelectorSpec namespaceSelector) {
    this.namespaceSelector = namespaceSelector;
  }
}
