package dev.ferry.ipfs.exchange;

import dev.ferry.circuit.Circuit;
import dev.ferry.circuit.Circuits;
import dev.ferry.circuit.Fragment;
import dev.ferry.circuit.LocalPeer;
import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.BlockBytes;
import dev.ferry.ipfs.store.BlockSource.LocalBlocks;
import dev.ferry.ipfs.store.Links;
import io.netty.buffer.ByteBuf;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fetch of a DAG into this node's store: walks the DAG from its root, looks for each block
 * here first (so a fetch cut short resumes from what is stored; a damaged file is removed and
 * fetched like a missing block), and asks the other nodes for the
 * rest over one exchange circuit each, spreading the want-lists over every node that has not said
 * it lacks a block. Each block is checked against its CID as it is stored; a node that sends bytes
 * that do not match is not asked again (its circuit closes), and its blocks go to other nodes, as
 * do those of a node whose circuit closes. Blocks no node has are asked for again every
 * {@code exchange.retry_interval_ms} (of the members then) until the deadline, when the fetch
 * fails with {@code timeout} naming one. Received blocks wait for the disk up to
 * {@code exchange.pending_write_bytes}; beyond that the fetch stops reading its circuits, whose
 * credit then holds back their senders, and nothing else.
 *
 * <p>All state lives on the fetching peer's context {@code ctx}; store I/O and hashing run on
 * workers.
 */
final class Fetch {
  private static final Logger log = LoggerFactory.getLogger(Fetch.class);
  /** Look for more blocks here only while fewer than this many want-lists' worth wait to be asked. */
  private static final int LOOKAHEAD_LISTS = 4;

  private final Context ctx;
  private final LocalPeer me;
  private final Circuits circuits;
  private final Supplier<List<String>> otherNodes;
  private final ExchangeConfig config;
  private final Cid root;
  private final LocalBlocks into;
  private final Instant deadline;
  private final Promise<Void> result = Promise.promise();

  /** Blocks to look for here, depth first. */
  private final Deque<Cid> toCheck = new ArrayDeque<>();
  private final Set<Cid> seen = new HashSet<>();
  private int checking;
  /** Blocks not here, to ask a node for. */
  private final Deque<Cid> wanted = new ArrayDeque<>();
  /** Blocks no node had, asked again after the retry interval. */
  private final List<Cid> nobodyHas = new ArrayList<>();
  /** Blocks asked of a node or on their way to the disk: never asked twice at once. */
  private final Set<Cid> inFlight = new HashSet<>();
  /** The nodes that said they lack a block, or sent wrong bytes for it. */
  private final Map<Cid, Set<String>> refused = new HashMap<>();
  private final Map<String, Source> sources = new LinkedHashMap<>();
  private long pendingWriteBytes;
  private int pendingWrites;
  private boolean paused;
  private long storedBlocks;
  private long storedBytes;
  /** Blocks of the DAG found in the store before asking: what an earlier, cut-short fetch left. */
  private long alreadyHere;
  private long deadlineTimer = -1;
  private long retryTimer = -1;

  Fetch(LocalPeer me, Circuits circuits, Supplier<List<String>> otherNodes, ExchangeConfig config, Cid root,
      LocalBlocks into, Instant deadline) {
    this.ctx = me.context();
    this.me = me;
    this.circuits = circuits;
    this.otherNodes = otherNodes;
    this.config = config;
    this.root = root;
    this.into = into;
    this.deadline = deadline;
  }

  /** Starts on the peer's context; completes when the whole DAG is stored. */
  Future<Void> run() {
    ctx.runOnContext(v -> {
      long left = Duration.between(Instant.now(), deadline).toMillis();
      deadlineTimer = ctx.owner().setTimer(Math.max(1, left), t -> fail(timedOut()));
      seen.add(root);
      toCheck.push(root);
      discover();  // the circuits open while the root is looked for here: a fetch is asked for what is missing
      pump();
    });
    return result.future();
  }

  /** A node this fetch asks for blocks, over one circuit. */
  private static final class Source {
    final String node;
    Circuit circuit;
    /** Closed, never opened, or not believed: asked no more. */
    boolean gone;
    boolean distrusted;
    final Set<Cid> asked = new HashSet<>();
    final Map<Cid, Assembly> assembling = new HashMap<>();

    Source(String node) {
      this.node = node;
    }

    boolean open() {
      return circuit != null && !gone;
    }
  }

  /** A block arriving in several fragments. */
  private static final class Assembly {
    final byte[] bytes;
    int received;

    Assembly(int size) {
      bytes = new byte[size];
    }
  }

  private void pump() {
    if (result.future().isComplete()) {
      return;
    }
    checkHere();
    if (!wanted.isEmpty()) {
      discover();
      ask();
    }
    if (!nobodyHas.isEmpty() && retryTimer < 0) {
      retryTimer = ctx.owner().setTimer(config.retryInterval().toMillis(), t -> retry());
    }
    if (toCheck.isEmpty() && checking == 0 && wanted.isEmpty() && inFlight.isEmpty() && nobodyHas.isEmpty()
        && pendingWrites == 0) {
      finish(null);
    }
  }

  /**
   * Looks for a batch of blocks in the store (on a worker): whole ones are expanded, missing ones
   * wanted. A block file that exists but does not hash to its CID (cut short, or changed on disk)
   * counts as missing: {@link LocalBlocks#has} removes it, with a WARN naming it, so it is fetched.
   */
  private void checkHere() {
    if (checking > 0 || toCheck.isEmpty() || wanted.size() >= LOOKAHEAD_LISTS * config.wantsPerNode()) {
      return;
    }
    List<Cid> batch = new ArrayList<>();
    while (!toCheck.isEmpty() && batch.size() < config.wantsPerNode()) {
      batch.add(toCheck.pop());
    }
    checking++;
    ctx.executeBlocking(() -> {
      List<List<Cid>> found = new ArrayList<>();  // per CID: its links when here, null when not
      for (Cid cid : batch) {
        found.add(!into.has(cid) ? null : Links.mayLink(cid) ? Links.of(cid, into.get(cid)) : List.of());
      }
      return found;
    }, false).onComplete(on(checked -> {
      checking--;
      if (checked.failed()) {
        fail(checked.cause());
        return;
      }
      for (int i = 0; i < batch.size(); i++) {
        List<Cid> links = checked.result().get(i);
        if (links == null) {
          wanted.add(batch.get(i));
        } else {
          alreadyHere++;
          expand(links);
        }
      }
      pump();
    }));
  }

  private void expand(List<Cid> links) {
    for (int i = links.size() - 1; i >= 0; i--) {
      if (seen.add(links.get(i))) {
        toCheck.push(links.get(i));
      }
    }
  }

  /** Opens a circuit to each other member not yet asked. */
  private void discover() {
    for (String node : otherNodes.get()) {
      if (sources.containsKey(node)) {
        continue;  // asked already; one whose circuit closed is asked again at the next retry
      }
      Source source = new Source(node);
      sources.put(node, source);
      circuits.startRemotePeer(ExchangeVerticle.SERVICE, node)
          .compose(ref -> me.newCircuitToPeer(ref, null))
          .onComplete(on(opened -> {
            if (opened.failed()) {
              log.debug("fetch of {}: no exchange with {}: {}", root, node, opened.cause().getMessage());
              source.gone = true;
            } else if (result.future().isComplete() || source.gone) {
              opened.result().close("fetch-done");
            } else {
              attach(source, opened.result());
            }
            pump();
          }));
    }
  }

  private void attach(Source source, Circuit circuit) {
    source.circuit = circuit;
    circuit.reads().handler(f -> received(source, f));
    circuit.closeHandler(reason -> lost(source, reason));
    if (paused) {
      circuit.reads().pause();
    }
  }

  /** Gives each wanted block to the open node with the fewest blocks asked that has not refused it. */
  private void ask() {
    Map<Source, List<Cid>> lists = new LinkedHashMap<>();
    boolean anyOpening = sources.values().stream().anyMatch(s -> s.circuit == null && !s.gone);
    for (Iterator<Cid> it = wanted.iterator(); it.hasNext(); ) {
      Cid cid = it.next();
      Set<String> no = refused.getOrDefault(cid, Set.of());
      Source best = null;
      boolean someoneMayHave = anyOpening;
      for (Source s : sources.values()) {
        if (!s.open() || no.contains(s.node)) {
          continue;
        }
        someoneMayHave = true;
        if (s.asked.size() < config.wantsPerNode() && (best == null || s.asked.size() < best.asked.size())) {
          best = s;
        }
      }
      if (best != null) {
        it.remove();
        best.asked.add(cid);
        inFlight.add(cid);
        lists.computeIfAbsent(best, s -> new ArrayList<>()).add(cid);
      } else if (!someoneMayHave) {
        it.remove();
        nobodyHas.add(cid);
      }
    }
    lists.forEach((source, cids) -> source.circuit.write(Protocol.want(cids)));
  }

  private void received(Source source, Fragment f) {
    if (source.gone) {
      return;
    }
    Cid cid;
    try {
      cid = Cid.parse(f.subject());
    } catch (FerryException e) {
      distrust(source, "it answered with a fragment whose subject is not a CID: " + f.subject());
      return;
    }
    if (!source.asked.contains(cid)) {
      distrust(source, "it sent " + cid + ", which was not asked of it");
      return;
    }
    if (f.op() == Protocol.DONT_HAVE) {
      source.asked.remove(cid);
      inFlight.remove(cid);
      refused.computeIfAbsent(cid, c -> new HashSet<>()).add(source.node);
      wanted.addFirst(cid);
      pump();
    } else if (f.op() == Protocol.BLOCK) {
      piece(source, cid, f);
    } else {
      distrust(source, "it sent op " + f.op() + ", which the block exchange does not know");
    }
  }

  private void piece(Source source, Cid cid, Fragment f) {
    long size;
    try {
      size = Long.parseLong(String.valueOf(f.arg(Protocol.SIZE)));
    } catch (NumberFormatException e) {
      distrust(source, "its block " + cid + " has no size");
      return;
    }
    int length = f.payload().length();
    if (size < 0 || size > config.maxBlockBytes() || f.part() < 0 || f.part() + length > size) {
      distrust(source, "its block " + cid + " claims " + size + " bytes (exchange.max_block_bytes: "
          + config.maxBlockBytes() + ") with a piece of " + length + " at " + f.part());
      return;
    }
    List<ByteBuffer> whole;
    if (f.part() == 0 && length == size) {
      whole = pieces(f.payload());  // views of what the circuit received: hashed and written where they are
    } else {
      Assembly a = source.assembling.computeIfAbsent(cid, c -> new Assembly((int) size));
      if (a.bytes.length != size) {
        distrust(source, "the pieces of its block " + cid + " disagree on its size");
        return;
      }
      f.payload().getBytes(0, length, a.bytes, (int) f.part());
      a.received += length;
      if (a.received < size) {
        return;
      }
      source.assembling.remove(cid);
      whole = List.of(ByteBuffer.wrap(a.bytes));
    }
    source.asked.remove(cid);
    store(source, cid, whole);
  }

  /**
   * The bytes of {@code payload} as buffers over them, no copy: a payload is a slice (or a composite
   * of slices) of the heap buffers its connection read into, each its own, which nothing changes after.
   */
  private static List<ByteBuffer> pieces(Buffer payload) {
    if (payload instanceof BufferInternal internal) {
      ByteBuf bytes = internal.getByteBuf();
      return List.of(bytes.nioBuffers(bytes.readerIndex(), bytes.readableBytes()));
    }
    return List.of(ByteBuffer.wrap(payload.getBytes()));
  }

  /**
   * Checks and stores a received block on a worker; a dag-pb block's links are then looked for (its
   * bytes in one array for that, copied unless it was assembled into one; raw leaves, most of a
   * file, are stored from their pieces).
   */
  private void store(Source source, Cid cid, List<ByteBuffer> block) {
    int length = (int) BlockBytes.length(block);
    pendingWrites++;
    pendingWriteBytes += length;
    if (!paused && pendingWriteBytes > config.pendingWriteBytes()) {
      paused = true;
      sources.values().stream().filter(Source::open).forEach(s -> s.circuit.reads().pause());
    }
    ctx.executeBlocking(() -> {
      try {
        if (!Links.mayLink(cid)) {
          into.put(cid, block);
          return List.<Cid>of();
        }
        byte[] bytes = BlockBytes.array(block);
        into.put(cid, bytes);
        return Links.of(cid, bytes);
      } catch (FerryException e) {
        if (FerryException.BAD_REQUEST.equals(e.code())) {
          return null;  // the bytes do not hash to the CID
        }
        throw e;
      }
    }, false).onComplete(on(stored -> {
      pendingWrites--;
      pendingWriteBytes -= length;
      if (paused && pendingWriteBytes <= config.pendingWriteBytes() / 2) {
        paused = false;
        sources.values().stream().filter(Source::open).forEach(s -> s.circuit.reads().resume());
      }
      if (stored.failed()) {
        fail(stored.cause());
        return;
      }
      inFlight.remove(cid);
      if (stored.result() == null) {
        refused.computeIfAbsent(cid, c -> new HashSet<>()).add(source.node);
        wanted.addFirst(cid);
        distrust(source, "its " + length + " bytes for " + cid + " do not hash to that CID");
        return;
      }
      storedBlocks++;
      storedBytes += length;
      expand(stored.result());
      pump();
    }));
  }

  /** A node that sent something wrong is not asked again in this fetch; what it was asked goes to others. */
  private void distrust(Source source, String why) {
    if (source.distrusted) {
      return;
    }
    log.warn("fetch of {}: not believing node {} any more: {}", root, source.node, why);
    source.distrusted = true;
    source.circuit.close("bad-request: " + why);
    lost(source, "not believed");
  }

  /** The circuit to a node closed (it stopped, died, or was not believed): its blocks go to the others. */
  private void lost(Source source, String reason) {
    if (source.gone) {
      return;
    }
    source.gone = true;
    if (!source.asked.isEmpty()) {
      log.debug("fetch of {}: circuit to {} closed ({}); asking others for its {} blocks", root, source.node, reason,
          source.asked.size());
    }
    for (Cid cid : source.asked) {
      inFlight.remove(cid);
      wanted.addFirst(cid);
    }
    source.asked.clear();
    source.assembling.clear();
    pump();
  }

  /** Blocks no node had are wanted again, from every node now in the cluster. */
  private void retry() {
    retryTimer = -1;
    for (Cid cid : nobodyHas) {
      refused.remove(cid);
      wanted.add(cid);
    }
    nobodyHas.clear();
    sources.values().removeIf(s -> s.gone && !s.distrusted);
    pump();
  }

  private FerryException timedOut() {
    Cid missing = !nobodyHas.isEmpty() ? nobodyHas.get(0) : !wanted.isEmpty() ? wanted.peek()
        : inFlight.stream().findFirst().orElse(root);
    List<String> asked = sources.values().stream().filter(s -> !s.distrusted).map(s -> s.node).toList();
    List<String> wrong = sources.values().stream().filter(s -> s.distrusted).map(s -> s.node).toList();
    return new FerryException(FerryException.TIMEOUT, "fetching " + root + ": block " + missing + " was not found "
        + "on any node before the pin timeout (pin.pin_timeout_ms); " + storedBlocks + " blocks fetched, "
        + (wanted.size() + nobodyHas.size() + inFlight.size()) + " still missing; nodes asked: "
        + (asked.isEmpty() ? "none (no other node runs the block exchange)" : String.join(", ", asked))
        + (wrong.isEmpty() ? "" : "; not believed (sent wrong bytes): " + String.join(", ", wrong))
        + ". The pin is retried; add the content on a node of the cluster");
  }

  private void fail(Throwable e) {
    finish(e);
  }

  private void finish(Throwable failure) {
    if (result.future().isComplete()) {
      return;
    }
    if (failure == null) {
      log.info("fetch of {}: {} blocks ({} bytes) fetched from other nodes, {} were here already", root,
          storedBlocks, storedBytes, alreadyHere);
      result.complete();
    } else {
      result.fail(failure);
    }
    ctx.owner().cancelTimer(deadlineTimer);
    ctx.owner().cancelTimer(retryTimer);
    for (Source s : sources.values()) {
      boolean open = s.open();
      s.gone = true;  // before the close, whose handler then finds nothing to do
      if (open) {
        s.circuit.close(failure == null ? "fetch-done" : "fetch-failed");
      }
    }
  }

  /** {@code handler} on this fetch's context, whichever context completes the future. */
  private <T> Handler<AsyncResult<T>> on(Handler<AsyncResult<T>> handler) {
    return r -> {
      if (Vertx.currentContext() == ctx) {
        handler.handle(r);
      } else {
        ctx.runOnContext(v -> handler.handle(r));
      }
    };
  }
}
