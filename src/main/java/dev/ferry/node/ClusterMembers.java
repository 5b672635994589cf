package dev.ferry.node;

import com.hazelcast.cluster.InitialMembershipEvent;
import com.hazelcast.cluster.InitialMembershipListener;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.core.HazelcastInstance;
import dev.ferry.core.Addresses;
import dev.ferry.core.Members;
import dev.ferry.peers.PeerId;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Members} kept from Hazelcast's membership (heartbeats and failure detection). Every
 * change is logged once and published node-locally on
 * {@link Addresses#MEMBER_EVENTS} as {@code {"event": "joined"|"left", "node", "incarnation",
 * "members": [...]}}; services subscribe there, or read {@link #current()}. With TLS, a Hazelcast
 * member whose signed attributes do not prove it a node of the cluster CA ({@link MemberProof}) is
 * not a member here: no events, not in {@link #current()}; one ERROR line says which and why.
 *
 * <p>Thread-safe: Hazelcast's event threads write, anyone reads.
 */
public final class ClusterMembers implements Members {
  private static final Logger log = LoggerFactory.getLogger(ClusterMembers.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  private static final String JOINED = "joined";
  private static final String LEFT = "left";

  private final Vertx vertx;
  private final KnownPeerIds peerIds;
  private final ConcurrentMap<UUID, Member> members = new ConcurrentHashMap<>();
  /** The newest run of each node name, for the check every send makes. */
  private final ConcurrentMap<String, Member> byName = new ConcurrentHashMap<>();
  /** With TLS: the Hazelcast members whose attributes do not prove them nodes of the cluster, until they leave. */
  private final Set<UUID> refused = ConcurrentHashMap.newKeySet();
  private final Optional<BusTls> tls;

  /** @param tls the node's TLS; with it, only members whose signed attributes pass {@link MemberProof} count */
  ClusterMembers(Vertx vertx, KnownPeerIds peerIds, Optional<BusTls> tls) {
    this.vertx = vertx;
    this.peerIds = peerIds;
    this.tls = tls;
  }

  /** Follows the membership of a started Hazelcast instance; the listener first sees the current members. */
  void follow(HazelcastInstance hazelcast) {
    hazelcast.getCluster().addMembershipListener(new InitialMembershipListener() {
      @Override
      public void init(InitialMembershipEvent event) {
        event.getMembers().forEach(m -> joined(m, event.getCluster().getLocalMember().getUuid()));
      }

      @Override
      public void memberAdded(MembershipEvent event) {
        joined(event.getMember(), event.getCluster().getLocalMember().getUuid());
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        left(event.getMember());
      }
    });
  }

  @Override
  public List<Member> current() {
    return members.values().stream().sorted(Comparator.comparing(Member::name)).toList();
  }

  @Override
  public Optional<Member> byName(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  @Override
  public boolean isUp(String name, String incarnation) {
    Member m = byName.get(name);
    return m != null && m.incarnation().equals(incarnation);
  }

  @Override
  public boolean isUp(String name) {
    return byName(name).isPresent();
  }

  private void joined(com.hazelcast.cluster.Member hazelcastMember, UUID localUuid) {
    boolean local = hazelcastMember.getUuid().equals(localUuid);
    if (!local && !proven(hazelcastMember)) {
      return;
    }
    Member member = describe(hazelcastMember, local);
    if (members.putIfAbsent(hazelcastMember.getUuid(), member) == null) {
      // a restarted node can join before its former run is seen to leave: the new run wins
      byName.put(member.name(), member);
      member.peerId().ifPresent(id -> peerIds.learn(member.name(), id));
      log.info("member {} joined (incarnation {}); members: {}", member.name(), member.incarnation(), names());
      publish(JOINED, member);
    }
  }

  /** Whether a member counts: always without TLS; with it, when its signed attributes pass (an ERROR once when not). */
  private boolean proven(com.hazelcast.cluster.Member hazelcastMember) {
    if (tls.isEmpty()) {
      return true;
    }
    Optional<String> refusal = MemberProof.refusal(hazelcastMember, tls.get(), Instant.now());
    if (refusal.isPresent() && refused.add(hazelcastMember.getUuid())) {
      log.error("refusing the cluster member at {} (Hazelcast member {}, claims to be '{}'): {}; it is not part of "
          + "the cluster", hazelcastMember.getAddress(), hazelcastMember.getUuid(),
          hazelcastMember.getAttribute(HazelcastSetup.ATTR_NAME), refusal.get());
    }
    return refusal.isEmpty();
  }

  private void left(com.hazelcast.cluster.Member hazelcastMember) {
    refused.remove(hazelcastMember.getUuid());
    Member member = members.remove(hazelcastMember.getUuid());
    if (member != null) {
      byName.remove(member.name(), member);
      log.info("member {} left (incarnation {}); members: {}", member.name(), member.incarnation(), names());
      publish(LEFT, member);
    }
  }

  private void publish(String event, Member member) {
    JsonObject body = new JsonObject()
        .put("event", event)
        .put("node", member.name())
        .put("incarnation", member.incarnation())
        .put("members", new JsonArray(names()));
    vertx.eventBus().publish(Addresses.MEMBER_EVENTS, body, LOCAL);
  }

  @Override
  public Future<Void> onJoined(Handler<Change> handler) {
    return subscribe(JOINED, handler);
  }

  @Override
  public Future<Void> onLeft(Handler<Change> handler) {
    return subscribe(LEFT, handler);
  }

  /** One reader of the published events, so their JSON shape is known here only. */
  private Future<Void> subscribe(String event, Handler<Change> handler) {
    return vertx.eventBus().<JsonObject>localConsumer(Addresses.MEMBER_EVENTS, m -> {
      JsonObject body = m.body();
      if (event.equals(body.getString("event"))) {
        handler.handle(new Change(body.getString("node"), body.getString("incarnation"),
            body.getJsonArray("members", new JsonArray()).stream().map(String::valueOf).toList()));
      }
    }).completion();
  }

  @Override
  public List<String> names() {
    return current().stream().map(Member::name).toList();
  }

  private static Member describe(com.hazelcast.cluster.Member m, boolean local) {
    String name = m.getAttribute(HazelcastSetup.ATTR_NAME);
    String incarnation = m.getAttribute(HazelcastSetup.ATTR_INCARNATION);
    return new Member(name == null ? "hazelcast-" + m.getUuid() : name,
        incarnation == null ? "" : incarnation, m.getAddress().getHost(), local, peerId(name, m));
  }

  private static Optional<PeerId> peerId(String name, com.hazelcast.cluster.Member m) {
    String text = m.getAttribute(HazelcastSetup.ATTR_PEER_ID);
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(PeerId.parse(text));
    } catch (IllegalArgumentException e) {
      log.warn("member {} at {} says a peer ID that is none; it is left unknown: {}", name, m.getAddress(),
          e.getMessage());
      return Optional.empty();
    }
  }
}
