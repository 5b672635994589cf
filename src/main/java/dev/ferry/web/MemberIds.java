package dev.ferry.web;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.Members;
import dev.ferry.core.NodeContext;
import dev.ferry.node.Identity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The ID objects of cluster members, as IPFS Cluster's {@code GET /peers} lists them: each member's
 * own answer ({@code ferry.node.<name>.id}) with its daemon's ({@link DaemonIdentity}) as
 * {@code ipfs}, asked at once; a member that does not answer within {@code cluster.request_timeout_ms}
 * gets one with its peer ID and the error. Never fails. Stateless; answers complete on the caller's
 * context.
 */
final class MemberIds {
  private final BusClient bus;
  private final NodeContext node;
  private final DaemonIdentity daemon;
  private final DeliveryOptions options;

  MemberIds(Vertx vertx, NodeContext node, DaemonIdentity daemon) {
    this.bus = BusClient.of(vertx);
    this.node = node;
    this.daemon = daemon;
    this.options = new DeliveryOptions().setSendTimeout(node.config().cluster().requestTimeout().toMillis());
  }

  /** Every current member's ID object, in member order. */
  List<Future<JsonObject>> all() {
    return node.members().current().stream().map(this::of).toList();
  }

  /** One member's ID object. */
  Future<JsonObject> of(Members.Member member) {
    Future<JsonObject> ipfs = daemon.of(member.name(), options);
    return bus.ask(Addresses.nodeId(member.name()), null, options, json -> json)
        .otherwise(e -> Identity.unreachable(member, e.getMessage()))
        .compose(id -> ipfs.map(daemonId -> id.put("ipfs", daemonId)));
  }
}
