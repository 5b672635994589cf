package dev.ferry.circuit.impl;

import dev.ferry.core.BusJson;
import dev.ferry.core.Requests;
import io.vertx.core.json.JsonObject;

/**
 * The requests a node's circuit service takes on {@code ferry.node.<node>.circuits}
 * (node-internal, docs/ADDRESSES.md), as records that write their wire JSON, and their answers;
 * {@link #REQUESTS} reads them back at the service. Immutable.
 */
public sealed interface NodeRequest extends BusJson {
  /**
   * Start a peer of {@code service} there: {@code {"op": "start", "service"}} ({@code {"service"}}
   * without {@code op}, the older form, is read as this too) → {@link StartedPeer}.
   */
  record StartPeer(String service) implements NodeRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "start").put("service", service);
    }
  }

  /** Where is the node's circuit link server: {@code {"op": "link"}} → {@link LinkAt}. */
  record WhereIsLink() implements NodeRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "link");
    }
  }

  Requests<NodeRequest> REQUESTS = Requests.<NodeRequest>of("circuit service")
      .on("start", f -> new StartPeer(f.string("service")))
      .on("link", f -> new WhereIsLink())
      .unnamed("start");

  /** The peer a {@link StartPeer} started: {@code {"id", "node", "service", "url"}}. */
  record StartedPeer(String id, String node, String service, String url) implements BusJson {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("node", node).put("service", service).put("url", url);
    }

    public static StartedPeer fromJson(JsonObject json) {
      return new StartedPeer(json.getString("id"), json.getString("node"), json.getString("service"),
          json.getString("url"));
    }
  }

  /** Where a node's link server listens, and the incarnation that answers there: {@code {"host", "port", "incarnation"}}. */
  record LinkAt(String host, int port, String incarnation) implements BusJson {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("host", host).put("port", port).put("incarnation", incarnation);
    }

    public static LinkAt fromJson(JsonObject json) {
      return new LinkAt(json.getString("host"), json.getInteger("port"), json.getString("incarnation"));
    }
  }
}
