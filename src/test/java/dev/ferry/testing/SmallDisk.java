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
    try {
      Files.createDirectories(dir);
      Path aside = Files.createTempDirectory("ferry-small-disk-");
      copy(dir, aside);
      run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
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

  /** Deletes the filler: space returns, as when an operator frees some. */
  @Override
  public void freeSpace() {
    try {
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
