package dev.ferry.registry;

import dev.ferry.core.BusJson;
import dev.ferry.core.Requests;
import io.vertx.core.json.JsonObject;

/**
 * What registries of different nodes tell each other on {@code ferry.node.<node>.registry}
 * (anti-entropy, docs/ADDRESSES.md): a node's claims version, or a request for its snapshot.
 * Immutable.
 */
sealed interface SyncRequest extends BusJson {
  /** {@code node}'s claims are at {@code version} (sent, not asked): a node behind fetches its snapshot. */
  record Version(String node, String incarnation, long version) implements SyncRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "version").put("node", node).put("incarnation", incarnation)
          .put("version", version);
    }
  }

  /** Asks for the claims of the answering node's own mailboxes. */
  record Snapshot() implements SyncRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "snapshot");
    }
  }

  Requests<SyncRequest> REQUESTS = Requests.<SyncRequest>of("registry sync")
      .on("version", f -> new Version(f.string("node"), f.string("incarnation"), f.wholeNumber("version", 0)))
      .on("snapshot", f -> new Snapshot());
}
