package dev.ferry.ipfs.store;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.Multibase;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
   *
   * <p>A block the walk must read to know its links (dag-pb, dag-cbor) and cannot is an
   * {@linkplain Unreadable unreadable} block: one whose file is damaged (removed here, with a WARN
   * naming the file and the root it was found under), or one missing under a recursive pin (whose
   * DAG was whole when the pin was saved). The blocks it links to are then unknown, and may be kept
   * by nothing else: so the collection walks on (to find every such block at once), removes
   * <em>nothing</em>, hands each recursive pin that reaches one to {@code incomplete}, and fails,
   * as Kubo's GC fails when it cannot read a pinned DAG. Leaves (raw blocks) are never read, so a
   * damaged leaf fails nothing (it is found when the block is next read or pinned). A block missing
   * under a protected root alone is no failure: an add's root may be partial (a CAR of part of a
   * DAG), and the collection keeps what there is of it.
   *
   * @throws FerryException {@code storage-error} naming the unreadable blocks, the
   *     roots they were found under and what repairs them; nothing was removed
   */
  ContentStore.Collected collect(Supplier<Roots> roots, Consumer<Cid> incomplete) {
    synchronized (oneAtATime) {
      synchronized (this) {
        closedDuringCollection = new HashSet<>();
      }
      try {
        List<Cid> stored = blocks.keys();
        Walk walk = new Walk(roots.get());
        if (!walk.unreadable.isEmpty()) {
          walk.incompletePins.forEach(incomplete);
          throw Unreadable.failure(List.copyOf(walk.unreadable.values()));
        }
        List<Cid> removed = new ArrayList<>();
        long bytes = 0;
        for (Cid cid : stored) {
          String key = key(cid);
          if (walk.live.contains(key)) {
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

  /**
   * What one collection's walk of the roots found: the blocks they reach ({@code live}, by key),
   * the blocks it could not read and the recursive pins that reach one of those. Each block is
   * read once; a pin whose walk meets a block already found unreadable is incomplete too. Used by
   * the one thread that collects.
   */
  private final class Walk {
    final Set<String> live = new HashSet<>();
    final Map<String, Unreadable> unreadable = new LinkedHashMap<>();
    final Set<Cid> incompletePins = new LinkedHashSet<>();

    Walk(Roots roots) {
      roots.recursive().forEach(root -> from(root, true));
      roots.protectedRoots().forEach(root -> from(root, false));
      // last: a block pinned directly that a DAG above also reaches must not stop that DAG's walk
      roots.direct().forEach(cid -> live.add(key(cid)));
    }

    private void from(Cid root, boolean pinned) {
      Deque<Cid> todo = new ArrayDeque<>(List.of(root));
      while (!todo.isEmpty()) {
        Cid cid = todo.pop();
        String key = key(cid);
        if (!live.add(key)) {
          if (pinned && unreadable.containsKey(key)) {
            incompletePins.add(root);
          }
          continue;
        }
        if (Links.mayLink(cid)) {  // a leaf is never read
          byte[] block = read(cid, key, root, pinned);
          if (block != null) {
            Links.of(cid, block).forEach(todo::push);
          }
        }
      }
    }

    /** The block of {@code cid} found under {@code root}, or null (noted as unreadable when it must be). */
    private byte[] read(Cid cid, String key, Cid root, boolean pinned) {
      if (!blocks.has(cid)) {
        if (pinned) {
          unreadable(key, new Unreadable(cid, root, true, false, blocks.file(cid)));
        }
        return null;  // under a protected root alone: a partial DAG keeps what there is
      }
      byte[] block = blocks.wholeBlock(cid, "; found by garbage collection under " + Unreadable.describe(root, pinned)
          + ", which removes nothing in this run");
      if (block == null) {
        unreadable(key, new Unreadable(cid, root, pinned, true, blocks.file(cid)));
      }
      return block;
    }

    private void unreadable(String key, Unreadable found) {
      unreadable.put(key, found);
      if (found.pinned()) {
        incompletePins.add(found.root());
      }
    }
  }

  /**
   * A block a collection had to read and could not, and the first root it was found under
   * ({@code pinned}: a recursive pin, else a protected root): {@code damaged} (its file did not
   * hash to its CID and was removed) or missing.
   */
  record Unreadable(Cid block, Cid root, boolean pinned, boolean damaged, Path file) {
    /** How many unreadable blocks a failure names one by one; the WARN lines name every damaged one. */
    private static final int NAMED = 3;

    static String describe(Cid root, boolean pinned) {
      return (pinned ? "the pin " : "the added root ") + root;
    }

    /** What went wrong with this block, and what repairs it. */
    String explain() {
      String what = "block " + block + " under " + describe(root, pinned) + (damaged
          ? " was damaged on disk (its file " + file + " did not hash to its CID) and is removed"
          : " is missing (no file " + file + ")");
      String repair = pinned
          ? "this node no longer lists " + root + " as pinned, so the pin tracker's next state sync "
              + "(pin.state_sync_interval_ms) pins it again, fetching the block from another node (if that fails, "
              + "`ferry ctl recover " + root + "`; with no other copy, add the content again or unpin it)"
          : "add or import the content of " + root + " again";
      return what + "; " + repair;
    }

    /** The failure of a collection that met {@code found}, naming them and what to do. */
    static FerryException failure(List<Unreadable> found) {
      StringBuilder message = new StringBuilder("garbage collection removed nothing: it could not read ")
          .append(found.size() == 1 ? "a block" : found.size() + " blocks")
          .append(" that pins reach, and without them it cannot know which blocks must stay: ");
      for (int i = 0; i < Math.min(NAMED, found.size()); i++) {
        message.append(i == 0 ? "" : "; and ").append(found.get(i).explain());
      }
      if (found.size() > NAMED) {
        message.append("; and ").append(found.size() - NAMED).append(" more (each damaged one in a WARN line)");
      }
      return new FerryException(FerryException.STORAGE_ERROR,
          message.append(". Run gc again once the content is whole here.").toString());
    }
  }

  private long sizeOf(Cid cid) {
    try {
      return Files.size(blocks.file(cid));
    } catch (IOException e) {
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

    @Override
    public void put(Cid cid, List<ByteBuffer> pieces) {
      hold(cid);
      blocks.put(cid, pieces);
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
