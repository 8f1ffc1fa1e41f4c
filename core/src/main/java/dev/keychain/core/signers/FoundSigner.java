package dev.keychain.core.signers;

import java.util.Set;

/**
 * A key whose valid signature covers the image's digest: where it was found (a notary role or
 * cosign), the ID shown to people (notary's canonical ID) and every ID the key goes by.
 */
public record FoundSigner(String source, String keyId, Set<String> keyIds) {}
