package dev.keychain.core.tuf;

import java.util.List;

/**
 * A target (for Docker Content Trust: a tag) listed by a role whose metadata verified, with the
 * manifest digest it pins and the keys whose signatures on that role verified.
 */
public record SignedTarget(
    String name, String role, String digest, long length, List<TufKey> signers) {}
