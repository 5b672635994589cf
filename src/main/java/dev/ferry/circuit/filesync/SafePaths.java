package dev.ferry.circuit.filesync;

import dev.ferry.core.FerryException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Confines received files to the file root: a relative path may not be absolute, may not contain
 * {@code ..}, and may not pass through a symbolic link that leads outside the root. Directories on
 * the way are created one at a time, after each existing one has been checked, so a link cannot
 * redirect them. Blocking file-system calls: run on a worker thread. Stateless.
 */
final class SafePaths {
  private SafePaths() {}

  /** Checks {@code relative} (with '/' separators) and returns its place under {@code root}, parents created. */
  static Path resolve(Path root, String relative) throws IOException {
    String[] segments = check(relative);
    Files.createDirectories(root);
    Path realRoot = root.toRealPath();
    Path dir = realRoot;
    for (int i = 0; i < segments.length - 1; i++) {
      dir = dir.resolve(segments[i]);
      if (Files.isSymbolicLink(dir) || Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Path real = dir.toRealPath();
        if (!real.startsWith(realRoot)) {
          throw FerryException.badRequest("path " + relative + " leaves the file root through a symbolic link at "
              + realRoot.relativize(dir));
        }
        if (!Files.isDirectory(real)) {
          throw FerryException.badRequest("path " + relative + ": " + realRoot.relativize(dir) + " is not a directory");
        }
        dir = real;
      } else {
        try {
          Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
          // another transfer created it at the same moment: check it again, as an existing one
          dir = dir.getParent();
          i--;
        }
      }
    }
    Path target = dir.resolve(segments[segments.length - 1]);
    if (Files.isSymbolicLink(target) && !target.toRealPath().startsWith(realRoot)) {
      throw FerryException.badRequest("path " + relative + " is a symbolic link that leaves the file root");
    }
    return target;
  }

  /** The segments of a relative path, or a {@code bad-request} saying what is wrong with it. */
  static String[] check(String relative) {
    if (relative == null || relative.isBlank()) {
      throw FerryException.badRequest("a file path is required");
    }
    if (relative.startsWith("/") || relative.startsWith("\\") || relative.matches("^[A-Za-z]:.*")) {
      throw FerryException.badRequest("path " + relative + " is absolute: paths are relative to the file root");
    }
    if (relative.indexOf('\0') >= 0 || relative.indexOf('\\') >= 0) {
      throw FerryException.badRequest("path " + relative + " contains a NUL or a backslash");
    }
    String[] segments = Arrays.stream(relative.split("/"))
        .filter(s -> !s.isEmpty() && !s.equals(".")).toArray(String[]::new);
    for (String s : segments) {
      if (s.equals("..")) {
        throw FerryException.badRequest("path " + relative + " escapes the file root ('..' is not allowed)");
      }
    }
    if (segments.length == 0) {
      throw FerryException.badRequest("path " + relative + " names no file");
    }
    return segments;
  }
}
