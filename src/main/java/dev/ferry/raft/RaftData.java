package dev.ferry.raft;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a node keeps its Raft state in its data dir: the groups' stores ({@code raft/<group>.db})
 * and the records of which store each replica ran on ({@code raft-identity/<group>}), which
 * {@code ferry state cleanup} removes. Stateless.
 */
public final class RaftData {
  /** The folder of the groups' stores. */
  public static final String STORES = "raft";
  /** The folder of the store identity records (docs/RAFT.md, a node that lost its store). */
  public static final String IDENTITY = "raft-identity";

  private RaftData() {}

  /** The folders that hold the Raft state of a node whose data dir is {@code dataDir}. */
  public static List<Path> folders(Path dataDir) {
    return List.of(dataDir.resolve(STORES), dataDir.resolve(IDENTITY));
  }
}
