package dev.ferry.ipfs.exchange;

import dev.ferry.circuit.Circuit;
import dev.ferry.circuit.Fragment;
import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.ContentStore;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The serving end of one exchange circuit: answers each CID of the want-lists it reads with the
 * block from this node's store (as fragments) or with don't-have, in the order asked. It reads at
 * most {@code exchange.reads_in_flight} blocks from disk at once and none while the circuit's write
 * queue is full, so a slow reader at the other end holds back only this circuit (its credit).
 * Each block sent counts on the node's {@code served} counter.
 *
 * <p>Runs on its peer's context {@code ctx}; disk reads on workers.
 */
final class BlockServer {
  private final Context ctx;
  private final Circuit circuit;
  private final ContentStore store;
  private final ExchangeConfig config;
  private final Counter served;
  private final Deque<Cid> wanted = new ArrayDeque<>();
  private int reading;

  BlockServer(Context ctx, Circuit circuit, ContentStore store, ExchangeConfig config, Counter served) {
    this.ctx = ctx;
    this.circuit = circuit;
    this.store = store;
    this.config = config;
    this.served = served;
  }

  void start() {
    circuit.reads().handler(this::read);
    circuit.drainHandler(v -> pump());
  }

  private void read(Fragment f) {
    if (f.op() != Protocol.WANT) {
      circuit.close("bad-request: the block exchange expects want-lists (op " + Protocol.WANT + "), got op " + f.op());
      return;
    }
    try {
      wanted.addAll(Protocol.wanted(f.payload()));
    } catch (FerryException e) {
      circuit.close(e.code() + ": " + e.getMessage());
      return;
    }
    pump();
  }

  private void pump() {
    while (!wanted.isEmpty() && reading < config.readsInFlight() && !circuit.writeQueueFull() && !circuit.isClosed()) {
      Cid cid = wanted.poll();
      reading++;
      store.block(cid).onComplete(read -> ctx.runOnContext(v -> {
        reading--;
        send(cid, read.succeeded() ? read.result() : null);
        pump();
      }));
    }
  }

  /** The block, or don't-have when it could not be read (not here, or damaged: never send bytes that do not match). */
  private void send(Cid cid, Buffer block) {
    if (circuit.isClosed()) {
      return;
    }
    if (block == null) {
      circuit.write(Protocol.dontHave(cid));
    } else {
      Protocol.block(cid, block, config.fragmentBytes()).forEach(circuit::write);
      served.increment();
    }
  }
}
