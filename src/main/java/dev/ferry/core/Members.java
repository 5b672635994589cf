package dev.ferry.core;

import dev.ferry.peers.PeerId;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/**
 * The cluster's current members as this node sees them. Every change is logged once and published
 * node-locally on {@link Addresses#MEMBER_EVENTS} as {@code {"event": "joined"|"left", "node",
 * "incarnation", "members": [...]}}; services subscribe there, or read {@link #current()}. The
 * node runtime keeps it up to date from Hazelcast ({@code node.ClusterMembers}).
 *
 * <p>Thread-safe: the membership's event threads write, anyone reads.
 */
public interface Members {
  /**
   * One member: a node name, the incarnation of the process that runs it, and its libp2p peer ID
   * (empty only for a member that does not say it, which no ferry node is).
   */
  record Member(String name, String incarnation, String host, boolean local, Optional<PeerId> peerId) {
    public JsonObject toJson() {
      return new JsonObject().put("name", name).put("incarnation", incarnation).put("host", host);
    }
  }

  /** A run of a node that joined or left, and the members after the change (sorted by name). */
  record Change(String node, String incarnation, List<String> members) {}

  /**
   * Calls {@code handler} on the caller's context with every later join of a run of a node (this
   * node's own run included, once, at start). Registered on the caller's context, so a verticle's
   * subscription ends with the verticle.
   */
  Future<Void> onJoined(Handler<Change> handler);

  /** Calls {@code handler} on the caller's context with every later leave of a run of a node, as {@link #onJoined}. */
  Future<Void> onLeft(Handler<Change> handler);

  /** The members now, sorted by name. */
  List<Member> current();

  /** The member with this node name, if it is in the cluster now. */
  Optional<Member> byName(String name);

  /** Whether this run (name and incarnation) of a node is in the cluster now; cheap enough for every send. */
  boolean isUp(String name, String incarnation);

  /** Whether a node of this name is in the cluster now. */
  boolean isUp(String name);

  /** The names of the current members. */
  List<String> names();
}
