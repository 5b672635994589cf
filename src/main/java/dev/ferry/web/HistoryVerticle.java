package dev.ferry.web;

import dev.ferry.core.Addresses;
import dev.ferry.core.BusJson;
import dev.ferry.core.NodeContext;
import dev.ferry.core.Requests;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.pin.PinConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's recent history for the dashboard (a per-node singleton): every
 * {@code dashboard.sample_interval_ms} it takes one sample of its meters ({@link Sampler}), its
 * event loop's delay (how long a task put on this verticle's event loop waited to run) and its
 * IPFS store's used and maximum bytes (the embedded store's, or the Kubo daemon's
 * {@code repo/stat?size-only=true}: the store's latest answer, asked at each tick, one question at
 * a time; a store that answers slowly or fails neither delays nor skips a sample, whose time is its
 * tick), keeps the last {@code dashboard.history_ms} of them
 * ({@link SampleRing}), answers {@code ferry.node.<name>.history} with them (a dashboard seeds its
 * charts from it) and publishes each sample on {@value #EVENTS} (the dashboard follows it through the
 * bridge).
 *
 * <p>All state belongs to this verticle's event loop; the embedded store's figures are read on a
 * worker, a daemon's over HTTP.
 */
public final class HistoryVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(HistoryVerticle.class);
  /** Where each sample is published, cluster-wide: {@code {"node", "time", "values"}}. */
  static final String EVENTS = Addresses.events("samples");

  private final NodeContext node;
  private DashboardConfig config;
  private SampleRing ring;
  private Sampler sampler;
  /** The node's IPFS store: its embedded store or its Kubo daemon ({@code ipfs.api}). */
  private IpfsConnector ipfs;
  private long startedAt;
  /** The store's latest figures ({@code store.used}, {@code store.max}); none until it answers, or when it fails. */
  private Map<String, Double> storeFigures = Map.of();
  private boolean askingStore;

  public HistoryVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    config = DashboardConfig.of(node);
    ring = new SampleRing(config.samples());
    sampler = new Sampler(node.meters());
    ipfs = ContentStore.forNode(node, PinConfig.of(node).concurrentPins());
    startedAt = System.currentTimeMillis();
    askStore();   // so the first sample has the store's figures
    sampleEveryInterval();
    return serveHistory().onSuccess(x -> log.debug("history of {} sampled every {} ms, {} samples kept",
        node.name(), config.sampleInterval().toMillis(), config.samples()));
  }

  private void sampleEveryInterval() {
    vertx.setPeriodic(config.sampleInterval().toMillis(), id -> {
      askStore();
      sample(System.currentTimeMillis());
    });
  }

  /**
   * One sample at {@code time} (the tick's): the event loop's delay (a task put on it now), then the
   * meters and the store's latest figures. Nothing here waits for the store: a sample that waited
   * for a slow store (a busy worker pool on a loaded machine) was taken late or skipped, and the
   * dashboard, which lines the nodes' samples up by interval, then missed this node in that slot.
   */
  private void sample(long time) {
    long asked = System.nanoTime();
    context.runOnContext(x -> {
      Map<String, Double> values = new TreeMap<>(sampler.sample(time));
      values.put("loop.delay_ms", (System.nanoTime() - asked) / 1e6);
      values.putAll(storeFigures);
      SampleRing.Sample sample = new SampleRing.Sample(time, values);
      ring.add(sample);
      vertx.eventBus().publish(EVENTS, sample.toJson().put("node", node.name()).put("started_at", startedAt)
          .put("store", storeKind()));
    });
  }

  /** Asks the store for {@code store.used} and {@code store.max}, unless a question is still open. */
  private void askStore() {
    if (askingStore) {
      return;
    }
    askingStore = true;
    ipfs.repoSpace()
        .map(space -> Map.of("store.used", (double) space.repoSize(), "store.max", (double) space.storageMax()))
        .otherwise(e -> Map.of())
        .onSuccess(figures -> storeFigures = figures)
        .onComplete(x -> askingStore = false);
  }

  @Override
  public Future<?> stop() {
    return ipfs == null ? Future.succeededFuture() : ipfs.close();
  }

  private Future<Void> serveHistory() {
    return vertx.eventBus().<Object>consumer(Addresses.nodeHistory(node.name()),
            message -> Requests.reply(message, () -> BusJson.of(history())))
        .completion();
  }

  /**
   * {@code {"node", "version", "started_at", "interval_ms", "history_ms", "store": {"kind", "api"?},
   * "times", "series"}}: the samples as columns ({@link SampleRing#toColumns}).
   */
  private JsonObject history() {
    return ring.toColumns().put("node", node.name()).put("version", node.version()).put("started_at", startedAt)
        .put("interval_ms", config.sampleInterval().toMillis()).put("history_ms", config.history().toMillis())
        .put("store", storeKind());
  }

  /** {@code {"kind": "embedded"}}, or {@code {"kind": "kubo", "api"}} with a Kubo daemon at {@code ipfs.api}. */
  private JsonObject storeKind() {
    return node.config().ipfsApi().map(api -> new JsonObject().put("kind", "kubo").put("api", api.toString()))
        .orElseGet(() -> new JsonObject().put("kind", "embedded"));
  }
}
