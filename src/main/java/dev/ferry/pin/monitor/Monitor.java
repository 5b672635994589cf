package dev.ferry.pin.monitor;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusJson;
import dev.ferry.core.Dispatch;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.peers.PeerId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's monitor, as IPFS Cluster's: publishes this node's metrics ({@link Informers}) on
 * {@code ferry.monitor.metrics} every {@code pin.monitor.metric_interval_ms} and its {@code ping}
 * every {@code pin.monitor.ping_interval_ms}, and both at once when a member joins (it missed them);
 * keeps the last valid metric of each node and name
 * that every node publishes ({@link MetricStore}, for nodes this one knows only); every
 * {@code pin.monitor.check_interval_ms} raises an alert for each node whose {@code ping} expired,
 * cleared when that node pings again. Alerts raised and cleared are published node-locally on
 * {@code ferry.events.alerts}. Answers {@code ferry.node.<node>.monitor} ({@link MonitorRequest}),
 * and gives the allocator the latest metrics ({@link #latest}). Every check it also reads the
 * pinset group's members: a node that was a member (an initial voter, or seen as one since) and is
 * no longer was removed from the cluster ({@code DELETE /peers/{peer}}), so its metrics and alert are
 * dropped and its reports ignored until it is a member again ({@code POST /peers}).
 *
 * <p>Runs on the context of the verticle that starts it (the pin verticle's event loop); every
 * method is called there.
 */
public final class Monitor {
  private static final Logger log = LoggerFactory.getLogger(Monitor.class);

  private final NodeContext node;
  private final Vertx vertx;
  private final MonitorConfig config;
  private final Informers informers;
  private final MetricStore store;
  private final List<Long> timers = new ArrayList<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Supplier<Future<Set<String>>> groupMembers;
  /** The nodes known to have been members of the pinset's group: the initial voters, and every member read since. */
  private final Set<String> wereMembers;
  /** The nodes that were members and are no longer, as last read: their reports are ignored. */
  private Set<String> removed = Set.of();
  private boolean measuring;
  private boolean readingMembers;

  /**
   * @param numpin how many pins this node holds (read on this context)
   * @param pinqueue how many pins and unpins wait in this node's tracker (read on this context)
   * @param groupMembers reads the members of the pinset's Raft group from this node's replica
   * @param initialVoters the group's members at its start (peers.json)
   */
  public Monitor(NodeContext node, MonitorConfig config, IpfsConnector ipfs, LongSupplier numpin,
      LongSupplier pinqueue, Supplier<Future<Set<String>>> groupMembers, Collection<String> initialVoters) {
    this.node = node;
    this.vertx = node.vertx();
    this.config = config;
    this.informers = new Informers(config, ipfs, numpin, pinqueue);
    this.store = new MetricStore(config.maxMetricNames());
    this.groupMembers = groupMembers;
    this.wereMembers = new HashSet<>(initialVoters);
  }

  /** Listens for metrics and requests, then publishes this node's metrics and checks for alerts on timers. */
  public Future<Void> start() {
    MessageConsumer<Object> reports = vertx.eventBus().consumer(Addresses.METRICS, m -> received(m.body()));
    Dispatch<MonitorRequest, Future<? extends BusJson>> dispatch = requests();
    MessageConsumer<Object> requests = vertx.eventBus().consumer(Addresses.nodeMonitor(node.name()),
        m -> MonitorRequest.REQUESTS.serve(m, dispatch::apply));
    consumers.add(reports);
    consumers.add(requests);
    // a node that joins has missed what the others published before: each tells it again at once
    Future<Void> joins = node.members().onJoined(joined -> {
      ping();
      measure();
    });
    return Future.all(reports.completion(), requests.completion(), joins).<Void>mapEmpty().onSuccess(x -> {
      ping();
      measure();
      timers.add(vertx.setPeriodic(config.pingInterval().toMillis(), t -> ping()));
      timers.add(vertx.setPeriodic(config.metricInterval().toMillis(), t -> measure()));
      timers.add(vertx.setPeriodic(config.checkInterval().toMillis(), t -> check()));
    });
  }

  /** Stops publishing and listening; other nodes raise this node's alert once its ping expires. */
  public Future<Void> stop() {
    timers.forEach(vertx::cancelTimer);
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  /** The latest valid, unexpired metric named {@code name} of each node, by node name. */
  public SortedMap<String, Metric> latest(String name) {
    return store.latest(name, nowNanos());
  }

  private Dispatch<MonitorRequest, Future<? extends BusJson>> requests() {
    return Dispatch.<MonitorRequest, Future<? extends BusJson>>over(MonitorRequest.class)
        .on(MonitorRequest.Names.class, r -> answer("names", new JsonArray(List.copyOf(store.names()))))
        .on(MonitorRequest.Metrics.class, r -> answer("metrics", new JsonArray(latest(r.name()).values().stream()
            .map(m -> m.toClusterJson(this::peerId)).toList())))
        .on(MonitorRequest.Alerts.class, r -> answer("alerts", new JsonArray(store.alerts().stream()
            .map(a -> a.toClusterJson(this::peerId)).toList())))
        .build();
  }

  private static Future<BusJson> answer(String key, JsonArray items) {
    JsonObject json = new JsonObject().put(key, items);
    return Future.succeededFuture(() -> json.copy());
  }

  private void ping() {
    publish(List.of(informers.ping()));
  }

  /** Measures and publishes, unless the last measurement has not ended (a slow daemon's {@code repo/stat}). */
  private void measure() {
    if (measuring) {
      return;
    }
    measuring = true;
    informers.measure().onComplete(samples -> publish(samples), e -> log.debug("metrics not measured: {}",
        e.getMessage())).onComplete(x -> measuring = false);
  }

  private void publish(List<Report.Sample> samples) {
    vertx.eventBus().publish(Addresses.METRICS, new Report(node.name(), samples).toJson());
  }

  /** A report from a node (this one too): kept if the node is one this node knows. */
  private void received(Object body) {
    Report report;
    try {
      report = Report.fromJson(body);
    } catch (FerryException e) {
      log.warn("a metrics report that cannot be read was dropped: {}", e.getMessage());
      return;
    }
    if (node.peerIds().peerId(report.peer()).isEmpty()) {
      log.debug("metrics of {} dropped: not a node of this cluster", report.peer());
      return;
    }
    if (removed.contains(report.peer())) {
      log.debug("metrics of {} dropped: it was removed from the cluster", report.peer());
      return;
    }
    long now = nowNanos();
    for (Report.Sample sample : report.metrics()) {
      if (!store.put(sample.received(report.peer(), now))) {
        log.debug("metric {} of {} dropped: pin.monitor.max_metric_names reached", sample.name(), report.peer());
      }
    }
    Alert cleared = store.clearIfPinged(report.peer());
    if (cleared != null) {
      log.info("{} pings again: alert cleared", report.peer());
      announce(cleared, true);
    }
  }

  private void check() {
    dropRemoved();
    for (Alert alert : store.check(nowNanos(), Instant.now())) {
      log.warn("{} has not pinged for {} ms: alert raised", alert.metric().peer(), config.pingTtl().toMillis());
      announce(alert, false);
    }
  }

  /**
   * Reads the pinset group's members and forgets the nodes removed since the last reading (their
   * alerts are announced cleared); a failed reading changes nothing (the group may have no replica
   * here yet).
   */
  private void dropRemoved() {
    if (readingMembers) {
      return;
    }
    readingMembers = true;
    groupMembers.get().onComplete(read -> {
      readingMembers = false;
      if (read.failed()) {
        log.debug("the pinset group's members not read: {}", read.cause().getMessage());
        return;
      }
      Set<String> members = read.result();
      wereMembers.addAll(members);
      Set<String> now = new HashSet<>(wereMembers);
      now.removeAll(members);
      for (String peer : now) {
        if (!removed.contains(peer)) {
          log.info("{} was removed from the cluster: its metrics and alert are dropped", peer);
        }
        Alert alert = store.remove(peer);
        if (alert != null) {
          announce(alert, true);
        }
      }
      removed = Set.copyOf(now);
    });
  }

  /** Publishes a raised or cleared alert on {@code ferry.events.alerts}, on this node only. */
  private void announce(Alert alert, boolean cleared) {
    JsonObject event = alert.toClusterJson(this::peerId).put("node", alert.metric().peer()).put("cleared", cleared);
    vertx.eventBus().publish(Addresses.ALERT_EVENTS, event, new DeliveryOptions().setLocalOnly(true));
  }

  /** A node's peer ID as IPFS Cluster names peers, or its name when none is known. */
  private String peerId(String name) {
    return node.peerIds().peerId(name).map(PeerId::toString).orElse(name);
  }

  private static long nowNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
