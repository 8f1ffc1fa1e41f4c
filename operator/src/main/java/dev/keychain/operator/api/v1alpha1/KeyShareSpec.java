package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Who shares what with whom. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeyShareSpec {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
  @JsonPropertyDescription("The owner: a SecureInstance in this namespace.")
  private String owner;

  @Required
  @JsonPropertyDescription("What is shared: exactly one of derivedKey or secretRef.")
  private ShareItemSpec item;

  @Required
  @Size(min = 1, max = 32)
  @JsonPropertyDescription(
      "Recipient SecureInstances, possibly in other namespaces; a namespace other than this one must accept the share with label shares.keychain.dev/<this namespace> set to the share's name or to all.")
  private List<ShareRecipientSpec> recipients;

  public String getOwner() {
    return owner;
  }

  public void setOwner(String owner) {
    this.owner = owner;
  }

  public ShareItemSpec getItem() {
    return item;
  }

  public void setItem(ShareItemSpec item) {
    this.item = item;
  }

  public List<ShareRecipientSpec> getRecipients() {
    return recipients;
  }

  public void setRecipients(List<ShareRecipientSpec> recipients) {
    this.recipients = recipients;
  }
}
