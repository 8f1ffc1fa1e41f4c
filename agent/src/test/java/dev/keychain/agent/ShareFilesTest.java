package dev.keychain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keychain.core.auth.GrantedShare;
import dev.keychain.core.crypto.SecretAccess;
import dev.keychain.core.crypto.SecretBytes;
import dev.keychain.core.share.OneTimeKeys;
import dev.keychain.core.share.SealedItem;
import dev.keychain.core.share.ShareBinding;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShareFilesTest {
  @TempDir Path dir;

  private static GrantedShare share(String ns, String name, long version, String item) {
    ShareBinding b = new ShareBinding(ns, "web", name, version, List.of("billing/api"));
    SecretBytes otk = OneTimeKeys.fresh(b);
    byte[] plain = item.getBytes(StandardCharsets.UTF_8);
    return new GrantedShare(
        b,
        OneTimeKeys.keyId(otk),
        otk,
        SealedItem.seal(otk, plain, b),
        SecretBytes.copyOf(plain, SecretAccess.grant()));
  }

  private String read(String id, String file) throws Exception {
    return Files.readString(dir.resolve(id).resolve(file));
  }

  @Test
  void writesEachServedShareAndErasesOneNoLongerServed() throws Exception {
    ShareFiles files = new ShareFiles(dir);
    GrantedShare db = share("shop", "db", 1, "pw-1");
    GrantedShare cache = share("shop", "cache", 1, "token");
    var changes = files.sync(List.of(db, cache), List.of());
    assertEquals(List.of("shop/db", "shop/cache"), changes.written());
    assertEquals("pw-1", read("shop/db", ShareFiles.ITEM));
    assertTrue(read("shop/db", ShareFiles.METADATA).contains(db.keyId().hex()));
    // the sealed item on disk opens with the key beside it
    SealedItem sealed = SealedItem.decode(read("shop/db", ShareFiles.SEALED));
    byte[] otk = Files.readAllBytes(dir.resolve("shop/db").resolve(ShareFiles.KEY));
    try (SecretBytes k = SecretBytes.copyOf(otk, SecretAccess.grant())) {
      assertEquals("pw-1", new String(sealed.open(k, db.binding()), StandardCharsets.UTF_8));
    }

    // the same version again writes nothing; a new version replaces the files; cache is gone
    assertEquals(List.of(), files.sync(List.of(db), List.of("shop/cache")).written());
    GrantedShare db2 = share("shop", "db", 2, "pw-2");
    changes = files.sync(List.of(db2), List.of());
    assertEquals(List.of("shop/db"), changes.written());
    assertEquals(List.of("shop/cache"), changes.erased());
    assertEquals("pw-2", read("shop/db", ShareFiles.ITEM));
    assertFalse(Files.exists(dir.resolve("shop/cache")));
    try (var entries = Files.list(dir.resolve("shop/db"))) {
      // one version directory: the previous one was erased
      assertEquals(
          1, entries.filter(p -> p.getFileName().toString().startsWith("..share-")).count());
    }

    assertEquals(List.of("shop/db"), files.wipe());
    assertFalse(Files.exists(dir.resolve("shop")));
    assertEquals(List.of(), files.present());
  }

  @Test
  void aWithheldShareKeepsWhatIsHeld() throws Exception {
    ShareFiles files = new ShareFiles(dir);
    files.sync(List.of(share("other", "db", 3, "kept")), List.of());
    var changes = files.sync(List.of(), List.of("other/db"));
    assertEquals(List.of(), changes.erased());
    assertEquals("kept", read("other/db", ShareFiles.ITEM));
    assertEquals(3, files.held("other/db").orElseThrow().version());
  }
}
