package dev.keychain.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AuthFailureTest {
  @Test
  void aRefusalNamesItsReason() {
    AuthFailure f =
        AuthFailure.ofRefusal("IMAGES_NOT_VERIFIED", "pod p runs an image not verified");
    assertEquals(AuthFailure.Reason.IMAGES_NOT_VERIFIED, f.reason());
    assertEquals("pod p runs an image not verified", f.detail());
  }

  @Test
  void aReasonThisSideDoesNotKnowIsRetriedNotThrown() {
    AuthFailure f = AuthFailure.ofRefusal("SOMETHING_NEWER", "m");
    assertEquals(AuthFailure.Reason.UNAVAILABLE, f.reason());
    assertEquals("refused for a reason this agent does not know (SOMETHING_NEWER): m", f.detail());
  }
}
