package dev.ferry.web;

import dev.ferry.circuit.Circuits;
import dev.ferry.core.Addresses;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.raft.GroupStatus;
import dev.ferry.raft.RaftClient;
import dev.ferry.registry.Claim;
import dev.ferry.registry.Registry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;

/**
 * Questions the HTTP API and the dashboard ask the cluster, answered over the bus: members, every
 * node's mailboxes and recent samples, the registry's claims, Raft group status, this node's circuits. A node that does not answer in
 * {@code cluster.request_timeout_ms} is reported with an {@code error} instead of failing the whole.
 */
final class ClusterQueries {
  private final Vertx vertx;
  private final NodeContext node;
  private final List<String> raftGroups;

  /** {@code raftGroups}: the groups this node hosts ({@code raft.groups}). */
  ClusterQueries(Vertx vertx, NodeContext node, List<String> raftGroups) {
    this.vertx = vertx;
    this.node = node;
    this.raftGroups = List.copyOf(raftGroups);
  }

  /** The members this node sees: {@code [{"name", "incarnation", "host"}]}, sorted by name. */
  JsonArray members() {
    JsonArray list = new JsonArray();
    node.members().current().forEach(m -> list.add(m.toJson()));
    return list;
  }

  /** {@code {name: {"incarnation", "mailboxes": [...]} or {"error"}}} for every member. */
  Future<JsonObject> mailboxes() {
    return everyMember(Addresses::nodeMailboxes);
  }

  /** {@code {name: history or {"error"}}}: every member's recent samples ({@link HistoryVerticle}). */
  Future<JsonObject> histories() {
    return everyMember(Addresses::nodeHistory);
  }

  /** {@code {name: answer or {"error"}}}: an empty request to each member's {@code address(name)}, at once. */
  private Future<JsonObject> everyMember(Function<String, String> address) {
    NodeQuestion question = new NodeQuestion(vertx, node, address, node.config().cluster().requestTimeout());
    return question.askMembers().map(answers -> {
      JsonObject nodes = new JsonObject();
      answers.forEach((name, answer) -> nodes.put(name, answer.succeeded() ? answer.result()
          : new JsonObject().put("error", answer.cause().getMessage())));
      return nodes;
    });
  }

  /** {@code {"groups": {group: status or {"error"}}}} for the Raft groups this node hosts. */
  Future<JsonObject> raft() {
    RaftClient client = RaftClient.forNode(node);
    List<String> groups = raftGroups;
    List<Future<JsonObject>> answers = groups.stream()
        .map(g -> client.status(g).map(GroupStatus::toJson).otherwise(e -> new JsonObject().put("error", e.getMessage())))
        .toList();
    return Future.join(answers).transform(x -> {
      JsonObject result = new JsonObject();
      for (int i = 0; i < groups.size(); i++) {
        result.put(groups.get(i), answers.get(i).result());
      }
      return Future.succeededFuture(new JsonObject().put("groups", result));
    });
  }

  /** This node's circuit peers and their open circuits, or {@code {"error"}} without the service. */
  JsonObject circuits() {
    try {
      Circuits circuits = Circuits.of(vertx);
      JsonArray peers = new JsonArray();
      circuits.localPeers().forEach(p -> peers.add(new JsonObject().put("id", p.id()).put("service", p.service())
          .put("circuits", p.openCircuits())));
      return new JsonObject().put("open", circuits.openCircuits()).put("peers", peers);
    } catch (RuntimeException e) {
      return new JsonObject().put("error", e.getMessage());
    }
  }

  /** {@code {"names": {name: [claims]}}} as this node's registry sees them. */
  Future<JsonObject> registry() {
    try {
      return Registry.of(vertx).claims().map(names -> new JsonObject().put("names", Claim.toJson(names)));
    } catch (FerryException e) {
      return Future.failedFuture(e);   // no registry on this node
    }
  }
}
