package dev.ferry.raft;

import dev.ferry.raft.impl.DiskFaults;
import dev.ferry.testing.FillableDisk;
import dev.ferry.testing.SmallDisk;
import java.nio.file.Path;

/**
 * A node's data dir made to fill up without root: the Raft store, its probe and its identity
 * record write through {@link DiskFaults}, which fails them with "No space left on device" once the
 * room given by {@link #fillLeaving} is used up. The same behaviour {@link SmallDisk} gets from a
 * real tmpfs, for machines where a test cannot mount one. Not thread-safe: one test uses it.
 */
final class FaultyDisk implements FillableDisk {
  private final Path dataDir;

  FaultyDisk(Path dataDir) {
    this.dataDir = dataDir;
  }

  @Override
  public void fillLeaving(long leave) {
    DiskFaults.fill(dataDir, leave);
  }

  @Override
  public void freeSpace() {
    DiskFaults.free(dataDir);
  }

  @Override
  public void close() {
    DiskFaults.free(dataDir);
  }
}
