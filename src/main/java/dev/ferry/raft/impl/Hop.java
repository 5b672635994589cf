package dev.ferry.raft.impl;

import dev.ferry.core.BusJson;
import dev.ferry.core.Fields;
import dev.ferry.raft.RaftRequest;
import io.vertx.core.json.JsonObject;

/**
 * How a client request reached this node, besides the request itself: {@code forwarded} by a node
 * that took it because this one leads (it answers {@code {"redirect": leader}} instead of
 * forwarding again), {@code routed} there by a client that knows this node leads ({@link Leaders}:
 * answered like a forwarded request, but checked here, since no node checked it on the way), or
 * {@code relayed} by a non-voter that knew no leader (it is not relayed again). Written as those
 * flags next to the request's fields, on node-internal addresses only. Immutable.
 *
 * @param forwarded whether this node answers a redirect rather than passing the request on
 * @param checked whether the node it entered at has checked it (size, the state machine's checks)
 */
record Hop(boolean forwarded, boolean relayed, boolean checked) {
  /** A request as a client sent it. */
  static final Hop DIRECT = new Hop(false, false, false);
  /** A request a client sent straight to the leader's node. */
  static final Hop ROUTED = new Hop(true, false, false);

  /** The hop of a request that arrived at this node's own address ({@code internal}) or the group's. */
  static Hop of(Fields body, boolean internal) {
    boolean forwarded = internal && body.bool("forwarded", false);
    boolean routed = internal && body.bool("routed", false);
    return new Hop(forwarded || routed, body.bool("relayed", false), forwarded);
  }

  Hop forward() {
    return new Hop(true, relayed, true);
  }

  Hop relay() {
    return new Hop(forwarded, true, checked);
  }

  /** {@code request} with this hop's flags, as it goes to the next node. */
  BusJson on(RaftRequest request) {
    return () -> {
      JsonObject json = request.toJson();
      if (forwarded) {
        json.put(checked ? "forwarded" : "routed", true);
      }
      if (relayed) {
        json.put("relayed", true);
      }
      return json;
    };
  }
}
