package dev.ferry.raft;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One node's view of one Raft group. {@code role} is {@code leader}, {@code candidate},
 * {@code follower}, {@code learner}, or {@code out} when the node is not a member; {@code leader}
 * is a node name or null; members, voters and learners are node names. Immutable.
 */
public record GroupStatus(
    String group,
    String node,
    String role,
    int term,
    String leader,
    long commitIndex,
    long lastLogIndex,
    long snapshotIndex,
    List<String> members,
    List<String> voters,
    List<String> learners) implements BusJson {

  public GroupStatus {
    members = List.copyOf(members);
    voters = List.copyOf(voters);
    learners = List.copyOf(learners);
  }

  /** The shape of {@code GET /raft/status}'s per-group object (and the bus reply). */
  @Override
  public JsonObject toJson() {
    return new JsonObject()
        .put("group", group)
        .put("node", node)
        .put("role", role)
        .put("term", term)
        .put("leader", leader)
        .put("commitIndex", commitIndex)
        .put("lastLogIndex", lastLogIndex)
        .put("snapshotIndex", snapshotIndex)
        .put("members", new JsonArray(members))
        .put("voters", new JsonArray(voters))
        .put("learners", new JsonArray(learners));
  }

  public static GroupStatus fromJson(JsonObject json) {
    return new GroupStatus(json.getString("group"), json.getString("node"), json.getString("role"),
        json.getInteger("term", 0), json.getString("leader"), json.getLong("commitIndex", 0L),
        json.getLong("lastLogIndex", 0L), json.getLong("snapshotIndex", 0L), strings(json, "members"),
        strings(json, "voters"), strings(json, "learners"));
  }

  private static List<String> strings(JsonObject json, String field) {
    JsonArray array = json.getJsonArray(field, new JsonArray());
    return array.stream().map(String::valueOf).toList();
  }
}
