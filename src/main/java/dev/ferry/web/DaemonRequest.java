package dev.ferry.web;

import dev.ferry.core.BusJson;
import dev.ferry.core.Requests;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What a node's web verticle answers about its IPFS daemon on {@code ferry.node.<node>.ipfs}
 * (node-internal, docs/ADDRESSES.md), as records that write their wire JSON, and the answer to
 * {@link Swarm}; {@link #REQUESTS} reads them back at {@link DaemonIdentity}. Immutable.
 */
sealed interface DaemonRequest extends BusJson {
  /**
   * The daemon's identity, the {@code ipfs} part of the ID object: {@code {"op": "id"}} (an empty
   * request, the older form, is read as this too).
   */
  record Id() implements DaemonRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "id");
    }
  }

  /** The daemon's swarm peers: {@code {"op": "swarm"}} → {@link SwarmPeers}. */
  record Swarm() implements DaemonRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "swarm");
    }
  }

  Requests<DaemonRequest> REQUESTS = Requests.<DaemonRequest>of("IPFS daemon")
      .on("id", f -> new Id())
      .on("swarm", f -> new Swarm())
      .unnamed("id");

  /** A daemon's swarm peers, by peer ID: {@code {"peers": [peer ID...]}}. */
  record SwarmPeers(List<String> peers) implements BusJson {
    public SwarmPeers {
      peers = List.copyOf(peers);
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("peers", new JsonArray(peers));
    }

    static SwarmPeers fromJson(JsonObject json) {
      return new SwarmPeers(json.getJsonArray("peers", new JsonArray()).stream().map(String::valueOf).toList());
    }
  }
}
