package dev.ferry.raft.impl;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusClient;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.raft.Discovered;
import dev.ferry.raft.RaftRequest.Discover;
import dev.ferry.raft.RaftSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a node that finds no store for a group at start-up had one: its {@link StoreIdentity}
 * record says so; without it (its whole data dir was lost, or it never had a store) it asks the
 * other nodes.
 * Every peer (the initial voters and the nodes in the cluster now) is sent a {@code discover},
 * bounded by {@code raft.store_check_timeout_ms}; its reply carries the group's records of the
 * stores that have existed ({@link StoreRecords}). The latest generation of this node any of them
 * recorded is the answer; none means a first start (or nobody could tell: see docs/RAFT.md for that
 * window, which {@link StoreRecords}' own check closes once the replica applies the records).
 *
 * <p>Used on the group's context; the replies come back there.
 */
final class StoreHistory {
  private static final Logger log = LoggerFactory.getLogger(StoreHistory.class);

  private final BusClient bus;
  private final NodeContext node;
  private final String group;
  private final RaftSettings settings;

  StoreHistory(Vertx vertx, NodeContext node, String group, RaftSettings settings) {
    this.bus = BusClient.of(vertx);
    this.node = node;
    this.group = group;
    this.settings = settings;
  }

  /**
   * A store this node had and lost: the endpoint it had, and how the node knows ({@code
   * toldByPeers}: from the other nodes, so some other member holds the group's log).
   */
  record Lost(NodeEndpoint endpoint, String source, boolean toldByPeers) {}

  /**
   * For a node that has no store: the store it had, known from its record ({@code had}, read from
   * {@code identity}) or, without one, from the other nodes; empty for a first start. Never fails.
   */
  Future<Optional<Lost>> lost(Optional<NodeEndpoint> had, StoreIdentity identity, Collection<String> voters) {
    if (had.isPresent()) {
      return Future.succeededFuture(Optional.of(new Lost(had.get(), "its record " + identity.file(), false)));
    }
    return lastStore(voters).map(last -> last.map(e -> new Lost(e, "the records of the group's stores the other "
        + "nodes keep; was its whole data dir " + node.config().dataDir() + " lost?", true)));
  }

  /** The latest store this node had in the group, as recorded by the peers that answer; never fails. */
  private Future<Optional<NodeEndpoint>> lastStore(Collection<String> voters) {
    List<String> peers = Stream.concat(voters.stream(), node.members().names().stream())
        .filter(name -> !name.equals(node.name())).distinct().sorted().toList();
    DeliveryOptions deadline = new DeliveryOptions().setSendTimeout(settings.storeCheckTimeout().toMillis());
    List<Future<Discovered>> asked = peers.stream()
        .map(peer -> bus.ask(Addresses.raftNode(group, peer), new Discover(), deadline, Discovered::fromJson))
        .toList();
    return Future.join(asked).transform(x -> {
      List<Discovered> answers = asked.stream().filter(Future::succeeded).map(Future::result).toList();
      Optional<NodeEndpoint> latest = answers.stream()
          .flatMap(reply -> StoreRecords.latest(node.name(), reply.stores().keySet()).stream())
          .max(Comparator.comparingInt(NodeEndpoint::generation));
      if (latest.isEmpty()) {
        List<String> silent = IntStream.range(0, peers.size())
            .filter(i -> asked.get(i).failed() // nobody serving the address: that node does not run now
                && !FerryException.UNAVAILABLE.equals(FerryException.from(asked.get(i).cause()).code()))
            .mapToObj(peers::get).toList();
        if (!silent.isEmpty()) {
          log.warn("raft group {}: {} has no store and no record of one ({}); {} did not answer within {} ms whether "
              + "it had one, the others know none: it starts as a first store. If it had a store before (its data "
              + "dir was lost), it stops voting as that member once it learns so from the group (docs/RAFT.md)",
              group, node.name(), StoreIdentity.DIRECTORY, silent, settings.storeCheckTimeout().toMillis());
        } else {
          log.info("raft group {}: {} has no store, and no store of it is recorded by the {} of {} that run the "
              + "group: it starts as a first store", group, node.name(), answers.size(), peers);
        }
      }
      return Future.succeededFuture(latest);
    });
  }
}
