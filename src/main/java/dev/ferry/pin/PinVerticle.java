package dev.ferry.pin;

import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.raft.RaftClient;
import dev.ferry.raft.RaftSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collective pinning on this node: answers {@code ferry.pin} for the cluster ({@link PinService}),
 * keeps this node's IPFS daemon in line with the pinset ({@link PinTracker}, asked on
 * {@code ferry.node.<name>.pin}), and moves the pins of a node that leaves.
 */
public final class PinVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(PinVerticle.class);

  private final NodeContext node;
  private IpfsConnector ipfs;
  private PinTracker tracker;

  public PinVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    PinConfig config;
    try {
      config = PinConfig.from(node.config().section("pin"));
      checkGroup(config);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    RaftClient raft = RaftClient.forNode(node);
    ipfs = ContentStore.forNode(vertx, node.config());
    tracker = new PinTracker(vertx, node.name(), config, ipfs, raft);
    PinService service = new PinService(node, config, raft);
    return Future.all(serve(service), serveTracker(), followMembers(service))
        .onSuccess(x -> {
          service.expireEvery();
          log.info("pinning up on {}: pinset in Raft group {}, content in {}", node.name(), config.group(), ipfs);
          // in the background: the group has no quorum until enough nodes have started
          tracker.start();
        });
  }

  @Override
  public Future<?> stop() {
    return (tracker == null ? Future.succeededFuture() : tracker.stop())
        .eventually(() -> ipfs == null ? Future.succeededFuture() : ipfs.close());
  }

  /** The pinset's group must exist here and keep a {@link PinSet}: say which setting is wrong. */
  private void checkGroup(PinConfig config) {
    String machine = RaftSettings.from(node.config().section("raft")).groups().get(config.group());
    if (!PinSet.NAME.equals(machine)) {
      throw new FerryException(FerryException.BAD_REQUEST, "pin.group is " + config.group() + ", but raft.groups."
          + config.group() + ".state_machine is " + machine + "; it must be " + PinSet.NAME);
    }
  }

  private Future<Void> serve(PinService service) {
    return vertx.eventBus().<JsonObject>consumer(Addresses.PIN, m -> answer(m, service.handle(body(m))))
        .completion();
  }

  /**
   * {@code {"op": "status"|"recover", "cid"}} → this node's status of the CID;
   * {@code {"op": "status"|"recover", "cids": [...]}} → {@code {"statuses": {cid: status}}}.
   */
  private Future<Void> serveTracker() {
    return vertx.eventBus().<JsonObject>consumer(Addresses.nodePin(node.name()), m -> {
      JsonObject request = body(m);
      boolean recover = request != null && "recover".equals(request.getString("op"));
      JsonArray cids = request == null ? null : request.getJsonArray("cids");
      if (cids == null) {
        String cid = request == null ? null : request.getString("cid");
        m.reply(statusOf(String.valueOf(cid), recover));
        return;
      }
      JsonObject statuses = new JsonObject();
      cids.forEach(cid -> statuses.put(String.valueOf(cid), statusOf(String.valueOf(cid), recover)));
      m.reply(new JsonObject().put("statuses", statuses));
    }).completion();
  }

  private JsonObject statusOf(String cid, boolean recover) {
    if (recover) {
      tracker.recover(cid);
    }
    return tracker.status(cid);
  }

  private Future<Void> followMembers(PinService service) {
    return node.members().onLeft(left -> service.nodeLeft(left.node()));
  }

  private static JsonObject body(Message<?> m) {
    return m.body() instanceof JsonObject json ? json : null;
  }

  private static void answer(Message<JsonObject> m, Future<JsonObject> result) {
    result.onComplete(m::reply, e -> FerryException.from(e).failReply(m));
  }
}
