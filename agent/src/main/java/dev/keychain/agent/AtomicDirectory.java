package dev.keychain.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A directory whose files change together, written as Kubernetes writes projected volumes: the
 * files go into a fresh hidden directory ({@code <prefix>XXXX}), a {@code ..data} symlink is
 * swapped to it atomically, and each file at the top is a link through {@code ..data}, so a reader
 * always sees files that belong together. Erasing overwrites every file with zeros first.
 */
final class AtomicDirectory {
  private static final String DATA = "..data";

  private final Path dir;
  private final String prefix;

  AtomicDirectory(Path dir, String prefix) {
    this.dir = dir;
    this.prefix = prefix;
  }

  Path path() {
    return dir;
  }

  /** Replaces the directory's content with {@code files} (name to bytes, read-only to all). */
  void write(Map<String, byte[]> files) throws IOException {
    Files.createDirectories(dir);
    // Readable by the app containers of the pod, whatever user they run as; the volume itself is
    // in memory and mounted into this pod only.
    Path version =
        Files.createTempDirectory(
            dir,
            prefix,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Files.write(
          version.resolve(f.getKey()),
          f.getValue(),
          StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      Files.setPosixFilePermissions(
          version.resolve(f.getKey()), PosixFilePermissions.fromString("r--r--r--"));
    }
    Optional<Path> previous = target();
    Path link = dir.resolve("..data_tmp");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, version.getFileName());
    move(link, dir.resolve(DATA));
    for (String name : files.keySet()) {
      if (!Files.isSymbolicLink(dir.resolve(name))) {
        Path tmp = dir.resolve(name + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(DATA, name));
        move(tmp, dir.resolve(name));
      }
    }
    if (previous.isPresent() && !previous.get().equals(version)) {
      erase(previous.get());
    }
  }

  /** Removes {@code names} and every version, zeroing each file first. */
  void wipe(Iterable<String> names) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    for (String name : names) {
      Files.deleteIfExists(dir.resolve(name));
    }
    Files.deleteIfExists(dir.resolve(DATA));
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
        erase(p);
      }
    }
  }

  private Optional<Path> target() throws IOException {
    Path data = dir.resolve(DATA);
    if (!Files.isSymbolicLink(data)) {
      return Optional.empty();
    }
    return Optional.of(dir.resolve(Files.readSymbolicLink(data)));
  }

  private static void erase(Path version) throws IOException {
    try (Stream<Path> files = Files.list(version)) {
      for (Path f : files.toList()) {
        if (Files.isRegularFile(f)) {
          long size = Files.size(f);
          // Files are read-only (r--r--r--); a non-root agent must make its own file writable
          // before overwriting it (root, as in unit tests, bypasses the mode).
          Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
          try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate((int) size));
            ch.force(true);
          }
        }
        Files.delete(f);
      }
    }
    Files.delete(version);
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("directory " + to.getParent() + " does not support atomic rename", e);
    }
  }
}
