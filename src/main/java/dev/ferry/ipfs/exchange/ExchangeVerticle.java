package dev.ferry.ipfs.exchange;

import dev.ferry.circuit.Circuits;
import dev.ferry.circuit.LocalPeer;
import dev.ferry.core.NodeContext;
import dev.ferry.ipfs.store.BlockSource;
import dev.ferry.ipfs.store.ContentStore;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The block exchange between nodes (verticles/exchange.json, a per-node singleton, deployed after
 * the circuit service): registers the {@code exchange} peer service, whose peers serve blocks of
 * this node's embedded store to other nodes, becomes the store's {@link BlockSource}, so that a pin
 * of content whose blocks are elsewhere fetches them ({@link Fetch}), and lifts the protection of
 * added content once the cluster's allocated nodes hold it ({@link Handoff}). Counts the blocks its
 * peers send to other nodes ({@code ferry_exchange_blocks_served_total} in {@code GET /metrics}).
 *
 * <p>Runs on one event loop; fetches run on the context of this node's exchange peer, serving
 * circuits on their peers' contexts, store I/O on workers.
 */
public final class ExchangeVerticle extends VerticleBase {
  /** The peer service's name. */
  public static final String SERVICE = "exchange";
  private static final Logger log = LoggerFactory.getLogger(ExchangeVerticle.class);

  private final NodeContext node;
  private ContentStore store;
  private LocalPeer fetcher;
  private BlockSource source;
  private Handoff handoff;

  public ExchangeVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    ExchangeConfig config = ExchangeConfig.from(node.config());
    store = ContentStore.embedded(node);
    Circuits circuits = Circuits.of(vertx);
    // a counter of the node's registry: one per node, kept (and counting on) across a redeploy
    Counter served = Counter.builder("ferry.exchange.blocks.served")
        .description("Blocks this node's store sent to other nodes' fetches").register(node.meters());
    circuits.registerNodePeerService(SERVICE, (me, ctx, incoming) ->
        incoming.handler(circuit -> new BlockServer(ctx, circuit, store, config, served).start()));
    return circuits.startLocalPeer(SERVICE).onSuccess(me -> {
      fetcher = me;
      source = (root, into, deadline) -> new Fetch(me, circuits, this::otherNodes, config, root, into, deadline).run();
      store.blockSource(source);
      handoff = new Handoff(vertx, store, config);
      handoff.start();
      log.info("block exchange up on {}: fragments of {} bytes, {} blocks asked of a node at a time", node.name(),
          config.fragmentBytes(), config.wantsPerNode());
    });
  }

  @Override
  public Future<?> stop() {
    if (handoff != null) {
      handoff.stop();
    }
    if (store != null) {
      store.blockSource(null);
    }
    return fetcher == null ? Future.succeededFuture() : fetcher.close("node-stopping");
  }

  private List<String> otherNodes() {
    return node.members().names().stream().filter(name -> !name.equals(node.name())).toList();
  }
}
