package dev.keychain.operator.api.v1alpha1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keychain.core.audit.AuditEventType;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AuditLogSpecTest {
  @Test
  void schemaAcceptsExactlyTheSelectableAuditEventTypes() throws Exception {
    ValidationRule rule =
        AuditLogSpec.class.getDeclaredField("events").getAnnotation(ValidationRule.class);
    Matcher quoted = Pattern.compile("'([A-Za-z]+)'").matcher(rule.value());
    List<String> inRule = quoted.results().map(m -> m.group(1)).toList();
    assertEquals(AuditEventType.selectableNames(), inRule);
    List<String> inMessage =
        Arrays.stream(rule.message().replace("events must be among ", "").split(","))
            .map(String::trim)
            .toList();
    assertEquals(AuditEventType.selectableNames(), inMessage);
  }
}
