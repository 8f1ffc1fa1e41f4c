package dev.keychain.core.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A log head as a C2SP checkpoint (c2sp.org/tlog-checkpoint) in a signed note
 * (c2sp.org/signed-note), so that tools outside the project can check it and witnesses can co-sign
 * it: the body is the origin line, the tree size, the base64 Merkle root (RFC 6962 hashing, as the
 * log's) and one extension line with the MACed {@code cp1} checkpoint; then a blank line and one
 * signature line per signer ({@code — name base64(keyID || signature)}, Ed25519, keyID = the first
 * 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)). Verifier keys are written as {@code
 * name+hex(keyID)+base64(0x01 || public key)}.
 */
public final class HeadNote {
  private static final byte ED25519 = 0x01;
  private static final String DASH = "\u2014 ";

  private HeadNote() {}

  /** The signed note of {@code head}, signed as {@code origin} (the key name is the origin). */
  public static String sign(String origin, Checkpoint head, Ed25519PrivateKeyParameters key) {
    checkName(origin);
    String body =
        origin
            + "\n"
            + head.treeSize()
            + "\n"
            + Base64.getEncoder().encodeToString(head.root())
            + "\n"
            + head.toText()
            + "\n";
    byte[] text = body.getBytes(StandardCharsets.UTF_8);
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, key);
    signer.update(text, 0, text.length);
    byte[] signature = signer.generateSignature();
    byte[] id = keyId(origin, key.generatePublicKey().getEncoded());
    byte[] sig = ByteBuffer.allocate(4 + signature.length).put(id).put(signature).array();
    return body + "\n" + DASH + origin + " " + Base64.getEncoder().encodeToString(sig) + "\n";
  }

  /** The verifier key of {@code name}'s Ed25519 {@code publicKey}, as note tools read it. */
  public static String verifierKey(String name, byte[] publicKey) {
    checkName(name);
    byte[] encoded = ByteBuffer.allocate(1 + publicKey.length).put(ED25519).put(publicKey).array();
    return name
        + "+"
        + HexFormat.of().formatHex(keyId(name, publicKey))
        + "+"
        + Base64.getEncoder().encodeToString(encoded);
  }

  /**
   * Verifies {@code note} with {@code verifierKey} (other signers' lines, such as witnesses', are
   * allowed and ignored) and returns the head it carries; the size and root lines must agree with
   * the extension's checkpoint. Names what is wrong otherwise.
   */
  public static Checkpoint open(String note, String verifierKey) {
    String[] vk = verifierKey.trim().split("\\+", 3); // the base64 key may hold a +
    if (vk.length != 3) {
      throw new IllegalArgumentException("verifier key must read name+hash+base64key");
    }
    String name = vk[0];
    byte[] encoded;
    byte[] id;
    try {
      encoded = Base64.getDecoder().decode(vk[2]);
      id = HexFormat.of().parseHex(vk[1]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("verifier key has a malformed hash or key");
    }
    if (encoded.length != 33 || encoded[0] != ED25519 || id.length != 4) {
      throw new IllegalArgumentException("verifier key is not an Ed25519 note key");
    }
    byte[] publicKey = java.util.Arrays.copyOfRange(encoded, 1, 33);
    if (!MessageDigest.isEqual(id, keyId(name, publicKey))) {
      throw new IllegalArgumentException("verifier key's hash does not match its name and key");
    }
    int split = note.lastIndexOf("\n\n");
    if (split < 0 || !note.endsWith("\n")) {
      throw new IllegalArgumentException("not a signed note: no blank line before signatures");
    }
    String body = note.substring(0, split + 1);
    boolean verified = false;
    for (String line : note.substring(split + 2).split("\n")) {
      if (!line.startsWith(DASH)) {
        throw new IllegalArgumentException("malformed signature line: " + abbreviate(line));
      }
      String[] parts = line.substring(DASH.length()).split(" ");
      if (parts.length != 2 || !parts[0].equals(name)) {
        continue; // another signer, e.g. a witness
      }
      byte[] sig;
      try {
        sig = Base64.getDecoder().decode(parts[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("signature of " + name + " is not base64");
      }
      if (sig.length != 68 || !MessageDigest.isEqual(id, java.util.Arrays.copyOf(sig, 4))) {
        continue; // another key under the same name
      }
      byte[] text = body.getBytes(StandardCharsets.UTF_8);
      Ed25519Signer verifier = new Ed25519Signer();
      verifier.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
      verifier.update(text, 0, text.length);
      if (!verifier.verifySignature(java.util.Arrays.copyOfRange(sig, 4, 68))) {
        throw new IllegalArgumentException("the signature of " + name + " does not verify");
      }
      verified = true;
    }
    if (!verified) {
      throw new IllegalArgumentException("the note carries no signature of " + name);
    }
    String[] lines = body.split("\n");
    if (lines.length != 4 || !lines[0].equals(name)) {
      throw new IllegalArgumentException(
          "the note is not a head of log " + name + " (origin, size, root, cp1 lines)");
    }
    Checkpoint head = Checkpoint.parse(lines[3]);
    if (!lines[1].equals(Long.toString(head.treeSize()))
        || !lines[2].equals(Base64.getEncoder().encodeToString(head.root()))) {
      throw new IllegalArgumentException("the note's size and root disagree with its checkpoint");
    }
    return head;
  }

  private static byte[] keyId(String name, byte[] publicKey) {
    MessageDigest sha = MerkleHashes.newSha256();
    sha.update(name.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) '\n');
    sha.update(ED25519);
    sha.update(publicKey);
    return java.util.Arrays.copyOf(sha.digest(), 4);
  }

  private static void checkName(String name) {
    if (name.isEmpty() || name.contains("+") || name.chars().anyMatch(c -> c <= ' ')) {
      throw new IllegalArgumentException("a note key name has no spaces or '+': " + name);
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
