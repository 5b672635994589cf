package dev.ferry.web;

import dev.ferry.core.Addresses;
import dev.ferry.core.NodeContext;
import dev.ferry.ipfs.IpfsConnector;
import dev.ferry.ipfs.store.ContentStore;
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
 * {@code repo/stat?size-only=true}), keeps the last {@code dashboard.history_ms} of them
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
  private boolean sampling;

  public HistoryVerticle(NodeContext node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    config = DashboardConfig.from(node.config().section("dashboard"));
    ring = new SampleRing(config.samples());
    sampler = new Sampler(node.meters());
    ipfs = ContentStore.forNode(vertx, node.config());
    startedAt = System.currentTimeMillis();
    sampleEveryInterval();
    return serveHistory().onSuccess(x -> log.debug("history of {} sampled every {} ms, {} samples kept",
        node.name(), config.sampleInterval().toMillis(), config.samples()));
  }

  private void sampleEveryInterval() {
    vertx.setPeriodic(config.sampleInterval().toMillis(), id -> {
      if (!sampling) {   // a store that answers slowly skips a sample rather than piling them up
        sampling = true;
        sample().onComplete(x -> sampling = false);
      }
    });
  }

  /** One sample: the event loop's delay first (a task put on it now), then the meters and the store. */
  private Future<Void> sample() {
    long asked = System.nanoTime();
    return Future.<Double>future(delay -> context.runOnContext(x -> delay.complete((System.nanoTime() - asked) / 1e6)))
        .compose(loopDelay -> storeFigures().map(figures -> {
          long time = System.currentTimeMillis();
          Map<String, Double> values = new TreeMap<>(sampler.sample(time));
          values.put("loop.delay_ms", loopDelay);
          values.putAll(figures);
          SampleRing.Sample sample = new SampleRing.Sample(time, values);
          ring.add(sample);
          vertx.eventBus().publish(EVENTS, sample.toJson().put("node", node.name()).put("started_at", startedAt)
              .put("store", storeKind()));
          return null;
        }));
  }

  /** {@code store.used} and {@code store.max} of the node's IPFS store (none if it does not say). */
  private Future<Map<String, Double>> storeFigures() {
    return ipfs.repoSpace()
        .map(space -> Map.of("store.used", (double) space.repoSize(), "store.max", (double) space.storageMax()))
        .otherwise(e -> Map.of());
  }

  @Override
  public Future<?> stop() {
    return ipfs == null ? Future.succeededFuture() : ipfs.close();
  }

  private Future<Void> serveHistory() {
    return vertx.eventBus().<Object>consumer(Addresses.nodeHistory(node.name()), message -> message.reply(history()))
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
