package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** The predicate value at a JSON pointer must equal a string. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PredicateConditionSpec {
  @Required
  @Size(max = 256)
  @Pattern("^(/[^/]*)+$")
  @JsonPropertyDescription(
      "JSON pointer (RFC 6901) into the predicate, e.g. `/runDetails/builder/id`.")
  private String path;

  @Required
  @Size(min = 1, max = 1024)
  @JsonPropertyDescription("The value it must have (numbers and booleans compare as text).")
  private String equals;

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public String getEquals() {
    return equals;
  }

  public void setEquals(String equals) {
    this.equals = equals;
  }
}
