package dev.ferry.raft.impl;

import dev.ferry.core.BusJson;
import dev.ferry.core.Fields;
import dev.ferry.raft.RaftRequest;
import io.vertx.core.json.JsonObject;

/**
 * How a client request reached this node, besides the request itself: {@code forwarded} by a node
 * that took it because this one leads (it answers {@code {"redirect": leader}} instead of
 * forwarding again), or {@code relayed} by a non-voter that knew no leader (it is not relayed
 * again). Written as those two flags next to the request's fields, on node-internal addresses
 * only. Immutable.
 */
record Hop(boolean forwarded, boolean relayed) {
  /** A request as a client sent it. */
  static final Hop DIRECT = new Hop(false, false);

  /** The hop of a request that arrived at this node's own address ({@code internal}) or the group's. */
  static Hop of(Fields body, boolean internal) {
    return new Hop(internal && body.bool("forwarded", false), body.bool("relayed", false));
  }

  Hop forward() {
    return new Hop(true, relayed);
  }

  Hop relay() {
    return new Hop(forwarded, true);
  }

  /** {@code request} with this hop's flags, as it goes to the next node. */
  BusJson on(RaftRequest request) {
    return () -> {
      JsonObject json = request.toJson();
      if (forwarded) {
        json.put("forwarded", true);
      }
      if (relayed) {
        json.put("relayed", true);
      }
      return json;
    };
  }
}
