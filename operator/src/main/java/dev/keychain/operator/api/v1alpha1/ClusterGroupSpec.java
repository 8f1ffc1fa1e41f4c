package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A cluster group of the chain (seed 000's server groups A, B, ...). */
public class ClusterGroupSpec {
  @Required
  @Size(min = 1, max = 63)
  @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
  @JsonPropertyDescription("Group name: letters, digits, '.', '_' or '-', at most 63 characters.")
  private String name;

  public ClusterGroupSpec() {}

  public ClusterGroupSpec(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }
}
