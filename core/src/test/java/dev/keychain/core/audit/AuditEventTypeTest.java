package dev.keychain.core.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AuditEventTypeTest {
  @Test
  void everyTypeReadsBackByItsWireName() {
    for (AuditEventType t : AuditEventType.values()) {
      assertEquals(t, AuditEventType.fromWireName(t.wireName()));
    }
  }

  @Test
  void wireNamesOfExistingLogsAreUnchanged() {
    assertEquals(
        java.util.List.of(
            "KeyIssued",
            "KeyRotated",
            "KeyRevoked",
            "StateChanged",
            "AdmissionAllowed",
            "AdmissionDenied",
            "GrantIssued",
            "GrantRefused",
            "PodNotCompliant",
            "ShareDelivered",
            "ShareWithheld"),
        AuditEventType.selectableNames());
    assertEquals("LogPruned", AuditEventType.LOG_PRUNED.wireName());
    assertEquals("SigningStarted", AuditEventType.SIGNING_STARTED.wireName());
  }

  @Test
  void theLogsOwnRecordsCannotBeSelected() {
    assertFalse(AuditEventType.selectableNames().contains("LogPruned"));
    assertFalse(AuditEventType.selectableNames().contains("SigningStarted"));
  }

  @Test
  void refusesAnUnknownTypeNamingIt() {
    assertEquals(
        "unknown audit event type KEY_ISSUED",
        assertThrows(
                IllegalArgumentException.class, () -> AuditEventType.fromWireName("KEY_ISSUED"))
            .getMessage());
  }
}
