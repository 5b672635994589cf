package dev.ferry.ipfs.store;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.Multibase;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Garbage collection of a {@link BlockStore}, and the sessions that make it safe against
 * concurrent writes. Every write path (an add, a pin, a fetch) runs in a {@link Session} and
 * {@linkplain Session#hold holds} each block's CID <em>before</em> it looks for or writes the
 * block; it closes the session only after the pin or protection that keeps those blocks is saved.
 * A collection removes a block only if no pin reaches it, no open session holds it, and no session
 * that closed while the collection ran held it; the check and the delete are one step under this
 * object's monitor, the same monitor a hold takes. So for any block a session uses, either the
 * delete came first (the session then finds no file and writes it again) or the collection sees
 * the hold and keeps it; and a pin saved after the collection read the pins belongs to a session
 * whose blocks the collection keeps.
 *
 * <p>Blocking I/O ({@link #collect}): call it from a worker. Thread-safe; one collection at a time.
 */
final class Collector {
  private final BlockStore blocks;
  /** Guarded by {@code this}. */
  private final Set<Session> open = new HashSet<>();
  /** Keys of the sessions that closed since the running collection started; null while none runs. Guarded by {@code this}. */
  private Set<String> closedDuringCollection;
  private final Object oneAtATime = new Object();

  Collector(BlockStore blocks) {
    this.blocks = blocks;
  }

  /** A new session; close it once what keeps its blocks (a pin, a protection) is saved, or on failure. */
  synchronized Session session() {
    Session session = new Session();
    open.add(session);
    return session;
  }

  /**
   * Removes every stored block that none of {@code recursive} and {@code protectedRoots} reaches
   * (each root with its whole DAG) and that is not one of {@code direct}; the pins are read by
   * {@code roots} after the collection has started to watch sessions, so none saved meanwhile is
   * missed.
   */
  ContentStore.Collected collect(java.util.function.Supplier<Roots> roots) {
    synchronized (oneAtATime) {
      synchronized (this) {
        closedDuringCollection = new HashSet<>();
      }
      try {
        List<Cid> stored = blocks.keys();
        Set<String> live = reachable(roots.get());
        List<Cid> removed = new ArrayList<>();
        long bytes = 0;
        for (Cid cid : stored) {
          String key = key(cid);
          if (live.contains(key)) {
            continue;
          }
          synchronized (this) {
            if (!held(key)) {
              long size = sizeOf(cid);
              if (blocks.delete(cid)) {
                removed.add(cid);
                bytes += size;
              }
            }
          }
        }
        return new ContentStore.Collected(removed, bytes);
      } finally {
        synchronized (this) {
          closedDuringCollection = null;
        }
      }
    }
  }

  /** The roots a collection keeps: recursive pins and protected roots with their DAGs, direct pins alone. */
  record Roots(Collection<Cid> recursive, Collection<Cid> direct, Collection<Cid> protectedRoots) {}

  private Set<String> reachable(Roots roots) {
    Set<String> live = new HashSet<>();
    roots.direct().forEach(cid -> live.add(key(cid)));
    Deque<Cid> todo = new ArrayDeque<>(roots.recursive());
    todo.addAll(roots.protectedRoots());
    while (!todo.isEmpty()) {
      Cid cid = todo.pop();
      if (!live.add(key(cid)) || !Links.mayLink(cid) || !blocks.has(cid)) {
        continue;  // seen, a leaf, or not here (a pin of a partial DAG keeps what there is)
      }
      Links.of(cid, blocks.get(cid)).forEach(todo::push);
    }
    return live;
  }

  private long sizeOf(Cid cid) {
    try {
      return java.nio.file.Files.size(blocks.file(cid));
    } catch (java.io.IOException e) {
      return 0;  // gone already: delete says so
    }
  }

  /** Whether an open session, or one that closed during the running collection, holds {@code key}. */
  private boolean held(String key) {
    if (closedDuringCollection != null && closedDuringCollection.contains(key)) {
      return true;
    }
    for (Session session : open) {
      if (session.keys.contains(key)) {
        return true;
      }
    }
    return false;
  }

  /** Blocks are named by their multihash (a raw and a dag-pb CID of the same bytes are one block). */
  static String key(Cid cid) {
    return Multibase.base32(cid.multihash(), true);
  }

  /**
   * The blocks one add, pin or fetch uses; see the class comment. As {@link BlockSource.LocalBlocks}
   * it holds every block it is asked about. Thread-safe; blocking I/O.
   */
  final class Session implements AutoCloseable, BlockSource.LocalBlocks {
    /** Guarded by the collector's monitor. */
    private final Set<String> keys = new HashSet<>();
    /**
     * Blocks this session found whole ({@link BlockStore#whole}) or stored itself (checked or
     * computed from their bytes): asked about again, only their file's existence is looked at.
     * Guarded by the collector's monitor.
     */
    private final Set<String> whole = new HashSet<>();

    /** Keeps {@code cid}'s block from collection until this session closes; call before looking for or writing it. */
    void hold(Cid cid) {
      synchronized (Collector.this) {
        keys.add(key(cid));
      }
    }

    /**
     * {@inheritDoc} The first time this session is asked about a block, its file is read and
     * checked against its hash ({@link BlockStore#whole}: a damaged file is removed and the
     * answer is false); after that, and for blocks the session stored, only the file's existence.
     */
    @Override
    public boolean has(Cid cid) {
      hold(cid);
      String key = key(cid);
      synchronized (Collector.this) {
        if (whole.contains(key)) {
          return blocks.has(cid);
        }
      }
      if (!blocks.whole(cid)) {
        return false;
      }
      checked(key);
      return true;
    }

    private void checked(String key) {
      synchronized (Collector.this) {
        whole.add(key);
      }
    }

    @Override
    public byte[] get(Cid cid) {
      hold(cid);
      return blocks.get(cid);
    }

    @Override
    public void put(Cid cid, byte[] block) {
      hold(cid);
      blocks.put(cid, block);
      checked(key(cid));
    }

    /** {@link BlockStore#putTrusted}, held: the importer's sink. */
    void putTrusted(Cid cid, byte[] block) {
      hold(cid);
      blocks.putTrusted(cid, block);
      checked(key(cid));
    }

    @Override
    public void close() {
      synchronized (Collector.this) {
        if (open.remove(this) && closedDuringCollection != null) {
          closedDuringCollection.addAll(keys);
        }
      }
    }
  }
}
