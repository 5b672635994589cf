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

  /** Removes the recursive pin of {@code cid}; succeeds when it was not pinned. */
  Future<Void> unpin(Cid cid);

  /**
   * Hands {@code each} every CID pinned recursively, as the daemon lists them (streamed: the list
   * is never held whole), on the caller's context; completes with how many there were once the
   * list has ended. A failure of {@code each} ends the listing with that failure.
   */
  Future<Long> pinLs(Consumer<Cid> each);

  /** The CIDs pinned recursively, as one set: for small pinsets (tests, tools); trackers use {@link #pinLs}. */
  default Future<Set<Cid>> pins() {
    Set<Cid> pinned = new HashSet<>();
    return pinLs(pinned::add).map(count -> pinned);
  }

  /** What a repo holds and may hold, in bytes ({@code repo/stat}'s {@code RepoSize} and {@code StorageMax}). */
  record RepoStat(long repoSize, long storageMax) {}

  /** The repo's size and its limit, as {@code repo/stat} reports them (the {@code freespace} informer's source). */
  Future<RepoStat> repoStat();

  /** Releases the connection pool. */
  Future<Void> close();
}
