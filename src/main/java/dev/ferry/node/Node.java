package dev.ferry.node;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import dev.ferry.core.Addresses;
import dev.ferry.core.BusJson;
import dev.ferry.core.ConfigException;
import dev.ferry.core.Health;
import dev.ferry.core.Incarnation;
import dev.ferry.core.Members;
import dev.ferry.core.NodeConfig;
import dev.ferry.core.NodeContext;
import dev.ferry.core.NodeKey;
import dev.ferry.core.PeerIds;
import dev.ferry.core.Requests;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running ferry node: a clustered Vert.x instance that joined the cluster of its peers, the
 * cluster's {@link Members}, and the verticles of its deployment plan.
 *
 * <p>{@link #start} and {@link #close} may be called from any thread that is not an event loop
 * of this node; the accessors are thread-safe.
 */
public final class Node implements NodeContext {
  private static final Logger log = LoggerFactory.getLogger(Node.class);

  private final NodeConfig config;
  private final Incarnation incarnation;
  private final NodeKey key;
  private final KnownPeerIds peerIds;
  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final ClusterMembers members;
  private final Deployer deployer = new Deployer();
  private final PrometheusMeterRegistry meters;
  private final Health health = new Health();

  private Node(NodeConfig config, Incarnation incarnation, NodeKey key, KnownPeerIds peerIds, Vertx vertx,
      HazelcastInstance hazelcast, PrometheusMeterRegistry meters, Optional<BusTls> tls) {
    this.config = config;
    this.incarnation = incarnation;
    this.key = key;
    this.peerIds = peerIds;
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.members = new ClusterMembers(vertx, peerIds, tls);
    this.meters = meters;
  }

  /**
   * Joins the cluster and deploys the plan. A configuration or start-up failure fails the future
   * with a message for the operator, and leaves nothing running.
   *
   * @param instances instance counts that override the descriptors' ({@code --instances NAME=N})
   */
  public static Future<Node> start(NodeConfig config, Map<String, Integer> instances) {
    List<VerticleDescriptor> plan;
    Incarnation incarnation = Incarnation.next();
    Config hazelcastConfig;
    NodeKey key;
    KnownPeerIds peerIds;
    Optional<BusTls> tls;
    int maxWritesPerFlush;
    try {
      tls = BusTls.of(config);
      maxWritesPerFlush = BusFlushes.maxWritesPerFlush(config);
      BusTls.checkExposure(config, tls);
      plan = Deployer.plan(config.verticlesDir(), instances);
      Files.createDirectories(config.dataDir());
      key = NodeKey.loadOrCreate(config.dataDir());
      peerIds = KnownPeerIds.load(config, key.peerId());
      hazelcastConfig = HazelcastSetup.config(config, incarnation, key.peerId(), tls);
    } catch (IOException e) {
      return Future.failedFuture(new ConfigException("data_dir: cannot create " + config.dataDir() + ": " + e, e));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    var cluster = config.cluster();
    log.info("node {} starting (incarnation {}, peer ID {}); joining cluster '{}' at {}:{} with members {}; event bus {}",
        config.name(), incarnation, key.peerId(), cluster.name(), cluster.host(), cluster.membershipPort(),
        cluster.members(), tls.map(t -> "with TLS (" + t.engine().name().toLowerCase(Locale.ROOT) + ")").orElse("in plaintext"));
    // the outcome is a JDK future: after a failed deployment Vert.x is closed, and a Vert.x future
    // chained after that would complete on an event loop that is gone (its listeners never run)
    CompletableFuture<Node> outcome = new CompletableFuture<>();
    HazelcastMember.join(hazelcastConfig, config.name(), tls, config.cluster().membershipAddresses()).whenComplete((hazelcast, failure) -> {
      if (failure != null) {
        outcome.completeExceptionally(cannotJoin(config, failure instanceof CompletionException c ? c.getCause() : failure));
      } else {
        startVertx(config, incarnation, key, peerIds, tls, maxWritesPerFlush, plan, hazelcast, outcome);
      }
    });
    return Future.fromCompletionStage(outcome);
  }

  /** Starts clustered Vert.x on the joined Hazelcast member, then deploys the plan; completes {@code outcome}. */
  private static void startVertx(NodeConfig config, Incarnation incarnation, NodeKey key, KnownPeerIds peerIds,
      Optional<BusTls> tls, int maxWritesPerFlush, List<VerticleDescriptor> plan, HazelcastInstance hazelcast,
      CompletableFuture<Node> outcome) {
    var cluster = config.cluster();
    // one registry per node, so several nodes in one JVM keep their metrics apart
    var meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var eventBus = new EventBusOptions()
        .setHost(cluster.host()).setPort(cluster.port())
        .setClusterPublicHost(cluster.host()).setClusterPublicPort(cluster.port());
    // with TLS, the bus speaks only to nodes of the cluster CA, and sends only to nodes that prove their name
    tls.ifPresent(t -> t.apply(eventBus));
    var vertxCluster = new HazelcastClusterManager(hazelcast);
    ClusterManager clusterManager = tls.<ClusterManager>map(t -> new CertifiedClusterManager(vertxCluster, t,
        Set.copyOf(config.peers().names()), (int) cluster.requestTimeout().toMillis())).orElse(vertxCluster);
    // Vert.x keeps backends in a static map by registry name: a name per run keeps nodes in one JVM apart
    var metrics = new MicrometerMetricsOptions().setEnabled(true).setRegistryName(config.name() + "-" + incarnation);
    if (!config.eventBusMetrics()) {
      // looking up a meter on every message costs about a quarter of the bus's throughput
      metrics.addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
    }
    Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(eventBus).setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(meters))
        .withClusterManager(clusterManager)
        .buildClustered()
        .onFailure(e -> HazelcastMember.leave(hazelcast).whenComplete((x, y) -> outcome.completeExceptionally(cannotJoin(config, e))))
        .onSuccess(vertx -> {
          // before anything is deployed, so every connection to another node's bus batches its writes
          tls.ifPresent(t -> BusFlushes.install(vertx, maxWritesPerFlush));
          Node node = new Node(config, incarnation, key, peerIds, vertx, hazelcast, meters, tls);
          peerIds.persistWith(vertx);
          node.members.follow(hazelcast);
          node.serveIdentity()
              .compose(v -> node.deployer.deploy(vertx, node, plan))
              .onSuccess(v -> {
                log.info("node {} up (incarnation {}): API http://{}, event bus {}:{}", config.name(), incarnation,
                    config.api(), cluster.host(), cluster.port());
                outcome.complete(node);
              })
              .onFailure(e -> closeAfterFailure(config, vertx, hazelcast, e, outcome));
        });
  }

  private static ConfigException cannotJoin(NodeConfig config, Throwable e) {
    var cluster = config.cluster();
    String failure = "node " + config.name() + " could not join the cluster (membership " + cluster.host() + ":"
        + cluster.membershipPort() + ", event bus " + cluster.host() + ":" + cluster.port() + "): " + e.getMessage();
    // a refusal (ours or the master's) says what to do itself
    return new ConfigException(e instanceof ConfigException ? failure
        : failure + ". Check that no other process uses these ports.", e);
  }

  /**
   * Closes Vert.x and leaves the cluster after a failed start, then fails {@code outcome} with the
   * start's failure: once both are done, or after {@code shutdown_timeout_ms} whatever happens, so a
   * node that cannot start always ends (it used to wait forever with no port open).
   */
  private static void closeAfterFailure(NodeConfig config, Vertx vertx, HazelcastInstance hazelcast, Throwable failure,
      CompletableFuture<Node> outcome) {
    CompletableFuture.delayedExecutor(config.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .execute(() -> outcome.completeExceptionally(failure));
    vertx.close().onComplete(x -> HazelcastMember.leave(hazelcast).whenComplete((y, z) -> outcome.completeExceptionally(failure)));
  }

  /**
   * Says so on {@link Addresses#NODE_EVENTS} (so a service may start work that must end before it
   * stops, while the verticles undeployed before it stop: the Raft groups' snapshot at shutdown),
   * undeploys the verticles (last deployed first), closes Vert.x, then leaves the cluster.
   */
  public Future<Void> close() {
    log.info("node {} stopping (incarnation {})", config.name(), incarnation);
    vertx.eventBus().publish(Addresses.NODE_EVENTS, new JsonObject().put("event", "stopping")
        .put("node", config.name()).put("incarnation", incarnation.toString()), new DeliveryOptions().setLocalOnly(true));
    return deployer.undeployAll(vertx)
        .compose(v -> vertx.close())
        .compose(v -> Future.fromCompletionStage(HazelcastMember.leave(hazelcast)))
        .onComplete(x -> log.info("node {} stopped", config.name()));
  }

  /**
   * Closes the node and waits, at most {@code shutdown_timeout_ms}: for shutdown hooks and
   * command-line tools, never for an event loop.
   */
  public void closeAndWait() {
    try {
      close().toCompletionStage().toCompletableFuture()
          .get(config.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("node {} did not stop within {} s; exiting anyway", config.name(), config.shutdownTimeout().toSeconds());
    } catch (ExecutionException e) {
      log.warn("node {} stopped with an error: {}", config.name(), e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Answers {@code ferry.node.<name>.id} with this node's ID object, for {@code GET /peers} anywhere. */
  private Future<Void> serveIdentity() {
    MessageConsumer<JsonObject> consumer = vertx.eventBus()
        .consumer(Addresses.nodeId(config.name()),
            message -> Requests.reply(message, () -> BusJson.of(Identity.of(this))));
    return consumer.completion();
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public Incarnation incarnation() {
    return incarnation;
  }

  @Override
  public NodeKey key() {
    return key;
  }

  @Override
  public PeerIds peerIds() {
    return peerIds;
  }

  @Override
  public NodeConfig config() {
    return config;
  }

  @Override
  public Members members() {
    return members;
  }

  @Override
  public PrometheusMeterRegistry meters() {
    return meters;
  }

  @Override
  public Health health() {
    return health;
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }
}
