package dev.keychain.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One requirement of a label selector: key, operator and values. */
@ValidationRule(
    value =
        "self.operator in ['In', 'NotIn'] ? (has(self.values) && size(self.values) > 0) : (!has(self.values) || size(self.values) == 0)",
    message = "operators In and NotIn need values; Exists and DoesNotExist take none")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SelectorRequirementSpec {
  @Required
  @Size(min = 1, max = 317)
  @JsonPropertyDescription("The label key.")
  private String key;

  @Required
  @ValidationRule(
      value = "self in ['In', 'NotIn', 'Exists', 'DoesNotExist']",
      message = "operator must be In, NotIn, Exists or DoesNotExist")
  @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
  private String operator;

  @Size(max = 64)
  @JsonPropertyDescription("Values for In and NotIn.")
  private List<@Size(max = 63) String> values;

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public String getOperator() {
    return operator;
  }

  public void setOperator(String operator) {
    this.operator = operator;
  }

  public List<@Size(max = 63) String> getValues() {
    return values;
  }

  public void setValues(List<@Size(max = 63) String> values) {
    this.values = values;
  }
}
