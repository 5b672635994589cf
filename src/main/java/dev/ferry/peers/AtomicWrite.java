package dev.ferry.peers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Replaces a file atomically: write a temporary file next to it, flush it to disk, rename it over
 * the target. A node reading peers.json while the CLI rewrites it sees the old or the new file,
 * never a torn one; a failed write leaves the old file and no temporary file. Also used for the
 * other small files a node keeps in its data dir (its key, the peer IDs it has seen). Stateless;
 * blocking, so never on an event loop.
 */
public final class AtomicWrite {

  private static final Set<PosixFilePermission> DEFAULT_PERMISSIONS =
      PosixFilePermissions.fromString("rw-r--r--");

  private AtomicWrite() {}

  /** Replaces {@code target} with {@code bytes}; a new file gets rw-r--r--, an existing one keeps its permissions. */
  public static void write(Path target, byte[] bytes) throws PeersException {
    write(target, bytes, DEFAULT_PERMISSIONS);
  }

  /**
   * Replaces {@code target} with {@code bytes}; a new file gets {@code newFilePermissions} from
   * the start (it is never readable more widely, not even for a moment), an existing one keeps its
   * permissions.
   */
  public static void write(Path target, byte[] bytes, Set<PosixFilePermission> newFilePermissions)
      throws PeersException {
    Path file = target.toAbsolutePath();
    Path tmp = null;
    try {
      Files.createDirectories(file.getParent());
      // Same directory, so the rename never crosses a file system and can be atomic.
      tmp = Files.createTempFile(file.getParent(), "." + file.getFileName() + ".", ".tmp");
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true); // on disk before the rename makes it visible
      }
      setPermissions(tmp, file, newFilePermissions);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
    } catch (AccessDeniedException e) {
      throw new PeersException(target + ": cannot write: permission denied (" + e.getFile() + ")", e);
    } catch (IOException e) {
      throw new PeersException(target + ": cannot write: " + e, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // The write already failed and that error is the one to report; a stray
          // temporary file is named after the target, so it is easy to find.
        }
      }
    }
  }

  /**
   * Temporary files are created owner-only; give the new file the old one's permissions, or
   * {@code fresh} for a new file (the usual rw-r--r--, so other users such as the node's service
   * account can still read it, unless the caller asks for less).
   */
  private static void setPermissions(Path tmp, Path target, Set<PosixFilePermission> fresh) throws IOException {
    try {
      Set<PosixFilePermission> permissions =
          Files.exists(target) ? Files.getPosixFilePermissions(target) : fresh;
      Files.setPosixFilePermissions(tmp, permissions);
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system (Windows): the platform's defaults apply.
    }
  }
}
