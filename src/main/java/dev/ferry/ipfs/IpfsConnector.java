package dev.ferry.ipfs;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What ferry needs of one IPFS daemon: its identity, adding content, and keeping content pinned.
 * {@link KuboRpcConnector} talks to a daemon's Kubo RPC API (Kubo, or js-ipfs's HTTP API).
 *
 * <p>Failures are {@link dev.ferry.core.FerryException}s: {@code unavailable} when the daemon
 * cannot be reached or fails, {@code timeout} when content was not found in time,
 * {@code bad-request} for what the daemon refused. Thread-safe.
 */
public interface IpfsConnector {
  /** A daemon's identity: its peer id, the addresses it listens on, and its agent (name/version). */
  record IpfsId(String id, List<String> addresses, String agent) {}

  Future<IpfsId> id();

  /**
   * The peer IDs of the daemon's swarm peers (its {@code swarm/peers}), for {@code GET
   * /health/graph}; a store without a libp2p swarm of its own (the embedded store) has none.
   */
  default Future<List<String>> swarmPeers() {
    return Future.succeededFuture(List.of());
  }

  /**
   * The CID an IPFS path names ({@code /ipfs/<cid>/a/b}, {@code /ipns/<name>}, {@code /ipld/...}),
   * resolved by the daemon as its {@code resolve} does (recursively).
   *
   * @throws dev.ferry.core.FerryException {@code bad-request} for a path the daemon cannot resolve,
   *     {@code not-implemented} for a path the connector cannot resolve
   */
  Future<Cid> resolve(String path);

  /** Adds {@code content} as one file named {@code name} and pins it; its CID (v1). */
  Future<Cid> add(Buffer content, String name);

  /**
   * Adds the file at {@code file} as one file named {@code name} and pins it; its CID (v1). The
   * file is streamed to the daemon from disk, never held in memory.
   */
  Future<Cid> add(Path file, String name);

  /** What to add: a file at {@code file} named {@code path} ({@code a/b.txt}), or with no file a directory. */
  record AddEntry(String path, Path file) {}

  /** An added file or directory: its path ({@code ""} for a wrapping directory), CID and DAG size in bytes. */
  record Added(String path, Cid cid, long size) {}

  /**
   * Adds files and directories by their paths (parents made as needed) without pinning them, with
   * Kubo's {@code add} options ({@code cid-version}, {@code raw-leaves}, {@code chunker},
   * {@code hash}, {@code trickle}, {@code wrap-with-directory}; absent ones take Kubo's defaults);
   * every entry added, files first, each directory after its contents, the root last. Files are
   * streamed from disk, never held in memory.
   *
   * @throws dev.ferry.core.FerryException {@code bad-request} for an option the daemon refuses
   */
  Future<List<Added>> add(List<AddEntry> entries, Map<String, String> options);

  /** Imports the blocks of the CARv1 file at {@code car} without pinning them; its roots. */
  Future<List<Cid>> importCar(Path car);

  /** Pins {@code cid} recursively, fetching what is missing; fails with {@code timeout} after {@code timeout}. */
  Future<Void> pin(Cid cid, Duration timeout);

  /**
   * Pins the block of {@code cid} alone (Kubo's {@code pin/add?recursive=false}, IPFS Cluster's
   * {@code mode=direct}), fetching that block, and nothing below it, when it is missing; fails
   * with {@code timeout} after {@code timeout}. A CID already pinned recursively stays so (that
   * pin keeps its block too).
   */
  Future<Void> pinDirect(Cid cid, Duration timeout);

  /**
   * Pins {@code to} recursively where {@code from} is pinned recursively, the way Kubo's
   * {@code pin/update?unpin=false} does: only the part of {@code to}'s DAG that is not also part of
   * {@code from}'s is walked and fetched; {@code from} stays pinned. When {@code from} is not
   * pinned here, a plain {@link #pin}.
   */
  Future<Void> pinUpdate(Cid from, Cid to, Duration timeout);

  /**
   * Asks the daemon to connect to {@code origins} (multiaddrs ending in {@code /p2p/<peer ID>}), as
   * IPFS Cluster does before a pin with {@code origins}, so content held there is found at once;
   * completes once every one was tried, failed when one could not be reached.
   */
  Future<Void> connect(List<String> origins);

  /** Removes the pin of {@code cid}, recursive or direct (as Kubo's {@code pin/rm}); succeeds when it was not pinned. */
  Future<Void> unpin(Cid cid);

  /**
   * Hands {@code each} every CID pinned recursively, as the daemon lists them (streamed: the list
   * is never held whole), on the caller's context; completes with how many there were once the
   * list has ended. A failure of {@code each} ends the listing with that failure.
   */
  Future<Long> pinLs(Consumer<Cid> each);

  /** {@link #pinLs}, for the CIDs pinned directly (the block alone). */
  Future<Long> pinLsDirect(Consumer<Cid> each);

  /** The CIDs pinned recursively, as one set: for small pinsets (tests, tools); trackers use {@link #pinLs}. */
  default Future<Set<Cid>> pins() {
    Set<Cid> pinned = new HashSet<>();
    return pinLs(pinned::add).map(count -> pinned);
  }

  /** What a garbage collection removed (each block's CID), and what the daemon reported failing on the way. */
  record Garbage(List<Cid> removed, List<String> errors) {
    public Garbage {
      removed = List.copyOf(removed);
      errors = List.copyOf(errors);
    }
  }

  /**
   * Runs the daemon's garbage collection (Kubo's {@code repo/gc}): it removes every block no pin
   * keeps. Fails with {@code timeout} after {@code timeout}.
   */
  Future<Garbage> repoGc(Duration timeout);

  /** What {@code repo/stat} tells of a repository: bytes stored, the most it may hold, blocks, where, which version. */
  record RepoStat(long repoSize, long storageMax, long numObjects, String repoPath, String version) {}

  /** The daemon's {@code repo/stat}. On Kubo it walks every block to count them: slow on a large repository. */
  Future<RepoStat> repoStat();

  /** What {@code repo/stat?size-only=true} tells of a repository: bytes stored and the most it may hold. */
  record RepoSpace(long repoSize, long storageMax) {}

  /**
   * The repository's size and maximum alone, without counting its blocks (Kubo's
   * {@code repo/stat?size-only=true}), for what asks often, such as the {@code freespace} informer.
   * This default reads the full {@link #repoStat()}, for a store that answers it cheaply anyway.
   */
  default Future<RepoSpace> repoSpace() {
    return repoStat().map(stat -> new RepoSpace(stat.repoSize(), stat.storageMax()));
  }

  /** Releases the connection pool. */
  Future<Void> close();
}
