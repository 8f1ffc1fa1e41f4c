package dev.keychain.core.auth;

/**
 * What both sides of a handshake share: the state machine's current state, the rule that an
 * unexpected message fails the handshake, and the session keys, wiped when done or failed.
 */
abstract class HandshakeSide<S extends Enum<S>> {
  private final S failed;
  private S state;
  HandshakeCrypto.SessionKeys keys;

  HandshakeSide(S initial, S failed) {
    this.state = initial;
    this.failed = failed;
  }

  public S state() {
    return state;
  }

  void moveTo(S next) {
    state = next;
  }

  void expect(S expected, String what) throws AuthFailure {
    if (state != expected) {
      S was = state;
      fail();
      throw new AuthFailure(
          AuthFailure.Reason.UNEXPECTED_MESSAGE, what + " not expected in state " + was);
    }
  }

  void fail() {
    wipe();
    state = failed;
  }

  void wipe() {
    if (keys != null) {
      keys.wipe();
      keys = null;
    }
  }
}
