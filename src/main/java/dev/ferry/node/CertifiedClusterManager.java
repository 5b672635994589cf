package dev.ferry.node;

import com.hazelcast.cluster.Member;
import io.vertx.core.Completable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.Message;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Counter;
import io.vertx.core.shareddata.Lock;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;
import io.vertx.core.spi.cluster.NodeListener;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vert.x's Hazelcast cluster manager with one addition: before this node sends anything to another
 * node, that node must show, on its event-bus port, a certificate of the cluster CA whose CN is the
 * name it claims in its member attributes (and, with a peers.json, a name listed there). A node
 * that fails is refused: its registrations are hidden from this node's event bus (so nothing is
 * routed to it) and connecting to it fails; an ERROR line says which address and why, once.
 *
 * <p>The receiving side holds too: a message that arrives from another node is delivered only when
 * the node it says it comes from (the sender node id Vert.x writes into every clustered message)
 * is a member that proved its name the same way; otherwise it is dropped with an ERROR line
 * ({@link #checkInbound}). So a node whose certificate names another node than it claims can
 * neither receive nor send, even one-way.
 *
 * <p>Each other node is checked once per membership (a TLS connection that only completes its
 * handshake), lazily, when this node first needs it; the verdict is kept until the node leaves.
 * A check that cannot connect is not a verdict and is tried again next time. Thread-safe: Vert.x
 * calls it from event loops and Hazelcast threads.
 */
final class CertifiedClusterManager implements ClusterManager {
  private static final Logger log = LoggerFactory.getLogger(CertifiedClusterManager.class);

  /** Vert.x's clustered message class and its (package-private) sender node id, read for the receiving check. */
  private static final String CLUSTERED_MESSAGE = "io.vertx.core.eventbus.impl.clustered.ClusteredMessage";
  private static final MethodHandle SENDER = senderAccessor();

  private final HazelcastClusterManager delegate;
  private final BusTls tls;
  private final Set<String> knownNames;
  private final int connectTimeoutMs;
  /** Per node id: a succeeded future when the node proved its name, a failed one when it did not. */
  private final ConcurrentMap<String, Future<Void>> verdicts = new ConcurrentHashMap<>();
  private volatile Vertx vertx;
  private volatile NetClient probes;

  /**
   * @param knownNames the names of peers.json; empty when the node runs without one
   */
  CertifiedClusterManager(HazelcastClusterManager delegate, BusTls tls, Set<String> knownNames, int connectTimeoutMs) {
    this.delegate = delegate;
    this.tls = tls;
    this.knownNames = Set.copyOf(knownNames);
    this.connectTimeoutMs = connectTimeoutMs;
  }

  // ---- the check --------------------------------------------------------------------------

  /**
   * The receiving side's check, an inbound interceptor of this node's bus: a message from another
   * node passes once its sender is a member that proved its name; one from a sender that is not a
   * member, or that failed, is dropped (ERROR, naming the sender). A sender not checked yet is
   * checked first (the message waits, then goes on on its context).
   */
  private void checkInbound(DeliveryContext<Object> delivery) {
    String sender = sender(delivery.message());
    if (sender == null || isVerified(sender)) {
      delivery.next();
      return;
    }
    Context context = vertx.getOrCreateContext();
    Promise<NodeInfo> info = Promise.promise();
    delegate.getNodeInfo(sender, info);
    info.future().compose(i -> verify(sender, i)).onComplete(verdict -> {
      if (verdict.succeeded()) {
        context.runOnContext(x -> delivery.next());
      } else {
        log.error("dropped a message to {} from Vert.x node {}: {}", delivery.message().address(), sender,
            verdict.cause() instanceof IllegalStateException ? verdict.cause().getMessage()
                : "it is not a member of this cluster (" + verdict.cause().getMessage() + ")");
      }
    });
  }

  /** The Vert.x node id a message from another node names as its sender; null for a local message. */
  private static String sender(Message<?> message) {
    if (SENDER == null || !message.getClass().getName().equals(CLUSTERED_MESSAGE)) {
      return null;
    }
    try {
      return (String) SENDER.invoke(message);
    } catch (Throwable e) {
      throw new IllegalStateException("cannot read the sender of a clustered message", e);
    }
  }

  private static MethodHandle senderAccessor() {
    try {
      Class<?> type = Class.forName(CLUSTERED_MESSAGE);
      return MethodHandles.privateLookupIn(type, MethodHandles.lookup())
          .findVirtual(type, "getSender", MethodType.methodType(String.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("this Vert.x (" + Vertx.class.getPackage().getImplementationVersion()
          + ") has no " + CLUSTERED_MESSAGE + ".getSender(), which ferry's receiving-side name check reads: use the "
          + "vertx-core version in pom.xml", e);
    }
  }

  @Override
  public void getNodeInfo(String nodeId, Completable<NodeInfo> promise) {
    if (nodeId.equals(getNodeId())) {
      delegate.getNodeInfo(nodeId, promise);
      return;
    }
    Promise<NodeInfo> info = Promise.promise();
    delegate.getNodeInfo(nodeId, info);
    info.future().compose(i -> verify(nodeId, i).map(i)).onComplete(promise);
  }

  @Override
  public void getRegistrations(String address, Completable<List<RegistrationInfo>> promise) {
    Promise<List<RegistrationInfo>> all = Promise.promise();
    delegate.getRegistrations(address, all);
    all.future().compose(this::verified).onComplete(promise);
  }

  @Override
  public void registrationListener(RegistrationListener listener) {
    delegate.registrationListener(new RegistrationListener() {
      @Override
      public void registrationsUpdated(RegistrationUpdateEvent event) {
        List<RegistrationInfo> known = event.registrations().stream().filter(r -> isVerified(r.nodeId())).toList();
        listener.registrationsUpdated(new RegistrationUpdateEvent(event.address(), known));
        if (known.size() < event.registrations().size()) {
          // some nodes are not checked yet: check them, then tell the listener what passed
          getRegistrations(event.address(), (passed, failure) -> {
            if (failure == null && passed.size() > known.size()) {
              listener.registrationsUpdated(new RegistrationUpdateEvent(event.address(), passed));
            }
          });
        }
      }

      @Override
      public void registrationsLost() {
        listener.registrationsLost();
      }

      @Override
      public boolean wantsUpdatesFor(String address) {
        return listener.wantsUpdatesFor(address);
      }
    });
  }

  @Override
  public void nodeListener(NodeListener listener) {
    delegate.nodeListener(new NodeListener() {
      @Override
      public void nodeAdded(String nodeId) {
        listener.nodeAdded(nodeId);
      }

      @Override
      public void nodeLeft(String nodeId) {
        verdicts.remove(nodeId);   // a node that comes back is checked again
        listener.nodeLeft(nodeId);
      }
    });
  }

  private boolean isVerified(String nodeId) {
    if (nodeId.equals(getNodeId())) {
      return true;
    }
    Future<Void> verdict = verdicts.get(nodeId);
    return verdict != null && verdict.succeeded();
  }

  /** The registrations of the nodes that prove their name; the others' are dropped. */
  private Future<List<RegistrationInfo>> verified(List<RegistrationInfo> registrations) {
    Map<String, Future<Void>> checks = new ConcurrentHashMap<>();
    for (RegistrationInfo r : registrations) {
      if (!r.nodeId().equals(getNodeId())) {
        checks.computeIfAbsent(r.nodeId(), id -> {
          Promise<NodeInfo> info = Promise.promise();
          delegate.getNodeInfo(id, info);
          return info.future().compose(i -> verify(id, i));
        });
      }
    }
    return Future.join(List.copyOf(checks.values())).transform(x -> Future.succeededFuture(registrations.stream()
        .filter(r -> r.nodeId().equals(getNodeId()) || checks.get(r.nodeId()).succeeded()).toList()));
  }

  private Future<Void> verify(String nodeId, NodeInfo info) {
    Future<Void> known = verdicts.get(nodeId);
    if (known != null) {
      return known;
    }
    Promise<Void> verdict = Promise.promise();
    Future<Void> raced = verdicts.putIfAbsent(nodeId, verdict.future());
    if (raced != null) {
      return raced;
    }
    probe(nodeId, info).onComplete(verdict);
    return verdict.future();
  }

  /** Connects to the node's bus, reads its certificate and compares its CN with the name it claims. */
  private Future<Void> probe(String nodeId, NodeInfo info) {
    String where = info.host() + ":" + info.port();
    Optional<Member> member = member(nodeId);
    if (member.isEmpty()) {
      verdicts.remove(nodeId);   // not a verdict: membership has not shown it here yet, or it has left
      return Future.failedFuture(new IllegalStateException("node at " + where + " is not a member (yet)"));
    }
    String claimed = member.get().getAttribute(HazelcastSetup.ATTR_NAME);
    return probes().connect(info.port(), info.host())
        .transform(connected -> {
          if (connected.failed() && !isHandshakeFailure(connected.cause())) {
            // not a verdict: the node may be going away or slow; ask again next time
            verdicts.remove(nodeId);
            return Future.failedFuture(new IllegalStateException("cannot check the certificate of node " + claimed
                + " at " + where + ": " + connected.cause().getMessage(), connected.cause()));
          }
          String refusal = connected.failed()
              ? "no TLS handshake with it (" + connected.cause().getMessage() + "): its certificate is not the "
                  + "cluster CA's, or it does not trust this node's"
              : refusal(connected.result(), claimed);
          if (connected.succeeded()) {
            connected.result().close();
          }
          if (refusal == null) {
            log.debug("node {} at {} showed its certificate", claimed, where);
            return Future.succeededFuture();
          }
          log.error("refusing the cluster member at {} (Hazelcast member {}, claims to be '{}'): {}; nothing is sent "
              + "to it", where, nodeId, claimed, refusal);
          return Future.failedFuture(new IllegalStateException("member at " + where + " refused: " + refusal));
        });
  }

  private static boolean isHandshakeFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
    }
    return false;
  }

  /** Why the node on this socket is not {@code claimed}, or null when it is. */
  private String refusal(NetSocket socket, String claimed) {
    List<Certificate> chain;
    try {
      chain = socket.peerCertificates();
    } catch (Exception e) {
      return "it showed no certificate (" + e.getMessage() + ")";
    }
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate certificate)) {
      return "it showed no certificate";
    }
    if (!tls.trusts(certificate)) {
      return "its certificate is not signed by the cluster CA";
    }
    String cn = BusTls.commonName(certificate);
    if (claimed == null) {
      return "it is not a member of this cluster (no ferry name in its member attributes)";
    }
    if (!cn.equals(claimed)) {
      return "it claims to be '" + claimed + "' but its certificate is for '" + cn + "'";
    }
    if (!knownNames.isEmpty() && !knownNames.contains(claimed)) {
      return "its name '" + claimed + "' is not in peers.json";
    }
    return null;
  }

  /** The Hazelcast member that is Vert.x node {@code nodeId}, if it is a member now. */
  private Optional<Member> member(String nodeId) {
    return delegate.getHazelcastInstance().getCluster().getMembers().stream()
        .filter(m -> nodeId.equals(m.getAttribute(HazelcastSetup.ATTR_VERTX_NODE_ID))).findFirst();
  }

  private NetClient probes() {
    NetClient client = probes;
    if (client == null) {
      synchronized (this) {
        if (probes == null) {
          probes = vertx.createNetClient(tls.probeOptions(connectTimeoutMs));
        }
        client = probes;
      }
    }
    return client;
  }

  // ---- everything else is Hazelcast's -----------------------------------------------------

  @Override
  public void init(Vertx vertx) {
    this.vertx = vertx;
    delegate.init(vertx);
  }

  @Override
  public <K, V> void getAsyncMap(String name, Completable<AsyncMap<K, V>> promise) {
    delegate.getAsyncMap(name, promise);
  }

  @Override
  public <K, V> Map<K, V> getSyncMap(String name) {
    return delegate.getSyncMap(name);
  }

  @Override
  public void getLockWithTimeout(String name, long timeout, Completable<Lock> promise) {
    delegate.getLockWithTimeout(name, timeout, promise);
  }

  @Override
  public void getCounter(String name, Completable<Counter> promise) {
    delegate.getCounter(name, promise);
  }

  @Override
  public String getNodeId() {
    return delegate.getNodeId();
  }

  @Override
  public List<String> getNodes() {
    return delegate.getNodes();
  }

  @Override
  public void setNodeInfo(NodeInfo nodeInfo, Completable<Void> promise) {
    delegate.setNodeInfo(nodeInfo, promise);
  }

  @Override
  public NodeInfo getNodeInfo() {
    return delegate.getNodeInfo();
  }

  @Override
  public void join(Completable<Void> promise) {
    delegate.join((joined, failure) -> {
      if (failure == null) {
        vertx.eventBus().addInboundInterceptor(this::checkInbound);
      }
      promise.complete(joined, failure);
    });
  }

  @Override
  public void leave(Completable<Void> promise) {
    NetClient client = probes;
    if (client != null) {
      client.close();
    }
    delegate.leave(promise);
  }

  @Override
  public boolean isActive() {
    return delegate.isActive();
  }

  @Override
  public void addRegistration(String address, RegistrationInfo registrationInfo, Completable<Void> promise) {
    delegate.addRegistration(address, registrationInfo, promise);
  }

  @Override
  public void removeRegistration(String address, RegistrationInfo registrationInfo, Completable<Void> promise) {
    delegate.removeRegistration(address, registrationInfo, promise);
  }

  @Override
  public String clusterHost() {
    return delegate.clusterHost();
  }

  @Override
  public String clusterPublicHost() {
    return delegate.clusterPublicHost();
  }
}
