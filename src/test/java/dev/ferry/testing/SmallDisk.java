package dev.ferry.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted over a directory for the test's life, so that writes under it really fail
 * with "no space left" once it is full. Mounting needs root (as the tests run here and in CI);
 * {@link #canMount()} says whether this process can. What the directory held is copied onto the
 * new filesystem; {@link #close()} unmounts it (its contents go with it).
 *
 * <p>Not thread-safe: one test uses it.
 */
public final class SmallDisk implements FillableDisk {
  private static final String INODE_FILLER = "inode-filler-";
  private static final int MAX_INODE_FILLERS = 10_000;

  private final Path dir;
  private final Path filler;

  private SmallDisk(Path dir) {
    this.dir = dir;
    this.filler = dir.resolve("filler.bin");
  }

  /** Whether this process may mount filesystems (it runs as root). */
  public static boolean canMount() {
    return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/bin/mount"));
  }

  /** Mounts a tmpfs of {@code size} (as {@code mount -o size=}, e.g. {@code 2m}) over {@code dir}, keeping its files. */
  public static SmallDisk mount(Path dir, String size) {
    return mountWith(dir, "size=" + size);
  }

  /**
   * Mounts a tmpfs of {@code size} that holds at most {@code inodes} files and directories: once
   * they are taken ({@link #fillInodes()}), creating a file fails with "no space left" while the
   * bytes free still say there is room, which is how a write fails past every free-space check.
   */
  public static SmallDisk mountWithInodes(Path dir, String size, int inodes) {
    return mountWith(dir, "size=" + size + ",nr_inodes=" + inodes);
  }

  private static SmallDisk mountWith(Path dir, String options) {
    try {
      Files.createDirectories(dir);
      Path aside = Files.createTempDirectory("ferry-small-disk-");
      copy(dir, aside);
      run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString());
      copy(aside, dir);
      return new SmallDisk(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Bytes still free on the filesystem. */
  public long free() {
    try {
      return Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Takes all but {@code leave} bytes of the free space with a file that {@link #freeSpace()} deletes. */
  @Override
  public void fillLeaving(long leave) {
    long size = Math.max(0, free() - leave);
    try {
      Files.write(filler, new byte[(int) size]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Takes every free inode with empty files (at most {@link #MAX_INODE_FILLERS}); the bytes stay
   * free. {@link #freeSpace()} deletes them.
   */
  public void fillInodes() {
    for (int i = 0; i < MAX_INODE_FILLERS; i++) {
      try {
        Files.createFile(dir.resolve(INODE_FILLER + i));
      } catch (IOException e) {
        if (String.valueOf(e.getMessage()).contains("No space left on device")) {
          return;
        }
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException(MAX_INODE_FILLERS + " files made and inodes still free: mount with fewer");
  }

  /** Deletes the fillers: space returns, as when an operator frees some. */
  @Override
  public void freeSpace() {
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.getFileName().toString().startsWith(INODE_FILLER)).toList()) {
        Files.delete(p);
      }
      Files.deleteIfExists(filler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    run("umount", "-l", dir.toString());
  }

  private static void copy(Path from, Path to) throws IOException {
    List<Path> paths = new ArrayList<>();
    try (var walk = Files.walk(from)) {
      walk.forEach(paths::add);
    }
    for (Path p : paths) {
      Path target = to.resolve(from.relativize(p).toString());
      if (Files.isDirectory(p)) {
        Files.createDirectories(target);
      } else {
        Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static void run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
