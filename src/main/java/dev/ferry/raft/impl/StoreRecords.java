package dev.ferry.raft.impl;

import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The stores that have existed in a group, as its log records them ({@link StoreRecordOp}): for
 * each member endpoint, the id of the first store it was recorded with. Part of the replicated
 * state (kept in snapshots by {@link StateMachineAdapter}), so every replica knows which node names
 * had a store, even a node that lost its whole data dir can learn it from the others
 * ({@link StoreHistory}). Also this replica's own store id, and the check that this replica is not
 * a stale copy of a member whose store was recorded with another id (docs/RAFT.md, "A node lost its
 * store").
 *
 * <p>Not thread-safe: confined to the group's Raft executor context.
 */
final class StoreRecords {
  /** Told that the group recorded this replica's endpoint (or a later generation of it) with another store. */
  @FunctionalInterface
  interface Conflict {
    void found(NodeEndpoint recorded, String recordedId);
  }

  private final String ownId;
  private final Map<String, String> ids = new TreeMap<>();
  private NodeEndpoint self;
  private Conflict onConflict = (endpoint, id) -> { };
  private boolean conflicted;

  /** @param ownId the id of the store this replica runs on ({@link DurableStore#id()}) */
  StoreRecords(String ownId) {
    this.ownId = ownId;
  }

  /** This replica's endpoint, and whom to tell when a record says it is not the member it claims to be. */
  void watch(NodeEndpoint self, Conflict onConflict) {
    this.self = self;
    this.onConflict = onConflict;
  }

  String ownId() {
    return ownId;
  }

  /** Whether the group recorded a store for this endpoint. */
  boolean has(NodeEndpoint endpoint) {
    return ids.containsKey(endpoint.id());
  }

  /** A committed record: the first store recorded for an endpoint stays its store. */
  void apply(StoreRecordOp record) {
    ids.putIfAbsent(record.endpoint(), record.storeId());
    check();
  }

  /** The records as JSON, {@code {"node1": id, "node2#1": id, …}}, for snapshots. */
  JsonObject toJson() {
    JsonObject json = new JsonObject();
    ids.forEach(json::put);
    return json;
  }

  /** The records, endpoint id → store id, for {@code discover}. */
  Map<String, String> asMap() {
    return Map.copyOf(ids);
  }

  /** Replaces the records with a snapshot's ({@code null}: a snapshot from before records, none). */
  void restore(JsonObject json) {
    ids.clear();
    if (json != null) {
      json.forEach(e -> ids.put(e.getKey(), String.valueOf(e.getValue())));
    }
    check();
  }

  /** The latest generation of node {@code name} recorded here, if any. */
  Optional<NodeEndpoint> latest(String name) {
    return latest(name, ids.keySet());
  }

  /** The latest generation of node {@code name} among these endpoint ids. */
  static Optional<NodeEndpoint> latest(String name, Collection<String> endpoints) {
    return endpoints.stream().map(NodeEndpoint::parse)
        .filter(e -> e.name().equals(name))
        .max((a, b) -> Integer.compare(a.generation(), b.generation()));
  }

  /**
   * A record of this node at this replica's generation or a later one, with a store other than this
   * replica's, means that this replica is not that member: the node lost the store the member ran
   * on (a replica is only ever replaced by a later generation, on a new store).
   */
  private void check() {
    if (self == null || conflicted) {
      return;
    }
    ids.entrySet().stream()
        .filter(e -> !e.getValue().equals(ownId))
        .map(e -> Map.entry(NodeEndpoint.parse(e.getKey()), e.getValue()))
        .filter(e -> e.getKey().name().equals(self.name()) && e.getKey().generation() >= self.generation())
        .findFirst()
        .ifPresent(e -> {
          conflicted = true;
          onConflict.found(e.getKey(), e.getValue());
        });
  }
}
