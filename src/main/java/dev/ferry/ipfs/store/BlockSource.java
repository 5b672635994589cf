package dev.ferry.ipfs.store;

import dev.ferry.ipfs.Cid;
import io.vertx.core.Future;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * Where a {@link ContentStore} gets the blocks of a DAG it must pin but does not hold: the block
 * exchange between nodes ({@code dev.ferry.ipfs.exchange}), set on the store when the node starts
 * ({@link ContentStore#blockSource}), so that the store itself knows nothing of circuits.
 *
 * <p>Implementations are thread-safe; {@link #fetch} returns at once.
 */
@FunctionalInterface
public interface BlockSource {
  /**
   * Stores in {@code into} every block of the DAG under {@code root} that it lacks, each checked
   * against its CID before it is stored; blocks already there are not fetched again (so a fetch
   * cut short resumes where it stopped). Completes when the whole DAG is in {@code into}; fails
   * with {@code timeout} at {@code deadline} (naming a block no node had), or with the store's
   * failure ({@code storage-full}, {@code storage-error}).
   */
  Future<Void> fetch(Cid root, LocalBlocks into, Instant deadline);

  /**
   * The blocks of this node's store, as a fetch sees them. Blocking I/O: call from a worker.
   * Thread-safe. Every block it is asked about is kept from garbage collection until the pin it
   * serves is saved (or fails).
   */
  interface LocalBlocks {
    /**
     * Whether the block of {@code cid} is stored whole: a file that exists but does not hash to
     * its CID (truncated, or changed on disk) is removed and counts as absent, so it is fetched
     * again. Each block's file is read and hashed once per pin; blocks stored during it are not.
     */
    boolean has(Cid cid);

    /** The stored block of {@code cid}, checked against its hash ({@code not-found} when absent). */
    byte[] get(Cid cid);

    /**
     * Stores {@code block} after checking that it hashes to {@code cid}: {@code bad-request} when
     * it does not (nothing stored), {@code storage-full} when it does not fit.
     */
    void put(Cid cid, byte[] block);

    /**
     * {@link #put(Cid, byte[])} of a block held as pieces, in order (their bytes between position
     * and limit, which are left as they are): what arrived from another node, checked and stored
     * without a copy into one array where the store can.
     */
    default void put(Cid cid, List<ByteBuffer> pieces) {
      put(cid, BlockBytes.array(pieces));
    }
  }
}
