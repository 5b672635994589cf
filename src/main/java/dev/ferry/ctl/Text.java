package dev.ferry.ctl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.TreeSet;

/**
 * The short, human lines of {@code ferry ctl --enc text}: fields separated by {@code " | "}, a CID
 * first where there is one, as ipfs-cluster-ctl prints them. Stateless.
 */
final class Text {
  private static final String SEP = " | ";
  /** The API's replication for "every node". */
  private static final int EVERYWHERE = -1;

  private Text() {}

  /** A status ({@code GET /pins/{cid}}): {@code <cid> | <name> | <node>: <status>, ...}. */
  static String status(JsonObject status) {
    return status.getString("cid") + SEP + name(status) + SEP + peers(status);
  }

  /** A status's nodes: {@code <node>: <status>, ...} by peer ID, named by peername, each error in parentheses. */
  static String peers(JsonObject status) {
    JsonObject peers = status.getJsonObject("peer_map", new JsonObject());
    List<String> each = new TreeSet<>(peers.fieldNames().stream().map(node -> {
      JsonObject peer = peers.getJsonObject(node);
      String error = peer.getString("error", "");
      return peer.getString("peername", node) + ": " + peer.getString("status") + (error.isEmpty() ? "" : " (" + error + ")");
    }).toList()).stream().toList();
    return each.isEmpty() ? "no node" : String.join(", ", each);
  }

  /** A pin ({@code /allocations}): {@code <cid> | <name> | allocations: ... | replication: min..max}. */
  static String pin(JsonObject pin) {
    return pin.getString("cid") + SEP + name(pin) + SEP + "allocations: " + allocations(pin) + SEP
        + "replication: " + replication(pin.getInteger("replication_factor_min", EVERYWHERE),
            pin.getInteger("replication_factor_max", EVERYWHERE));
  }

  /** A pin that was removed: {@code <cid> | <name> | unpinned}. */
  static String unpinned(JsonObject pin) {
    return pin.getString("cid") + SEP + name(pin) + SEP + "unpinned";
  }

  /** A file {@code POST /add} added: {@code <cid> | <name> | <size> bytes | allocations: ...}. */
  static String added(JsonObject added) {
    return added.getString("cid") + SEP + name(added) + SEP + added.getValue("size") + " bytes" + SEP
        + "allocations: " + allocations(added);
  }

  /** A node's ID object: {@code <name> | <addresses> | peers: ... | version <v>}, or its error. */
  static String id(JsonObject id) {
    String error = id.getString("error", "");
    if (!error.isEmpty()) {
      return id.getString("peername") + SEP + "error: " + error;
    }
    return id.getString("peername") + SEP + join(id.getJsonArray("addresses", new JsonArray())) + SEP + "peers: "
        + join(id.getJsonArray("cluster_peers", new JsonArray())) + SEP + "version " + id.getString("version");
  }

  static String version(JsonObject version) {
    return version.getString("version");
  }

  private static String name(JsonObject json) {
    String name = json.getString("name", "");
    return name.isEmpty() ? "-" : name;
  }

  private static String allocations(JsonObject json) {
    JsonArray allocations = json.getJsonArray("allocations", new JsonArray());
    return allocations.isEmpty() ? "every node" : join(allocations);
  }

  private static String replication(int min, int max) {
    if (max == EVERYWHERE) {
      return "every node";
    }
    return min == max ? String.valueOf(min) : min + ".." + max;
  }

  private static String join(JsonArray values) {
    return values.isEmpty() ? "-" : String.join(", ", values.stream().map(String::valueOf).toList());
  }
}
