package dev.ferry.web.proxy;

import dev.ferry.core.Version;
import dev.ferry.ipfs.store.ContentStore;
import dev.ferry.peers.PeerId;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Kubo RPC calls the proxy answers from the node's embedded store when no daemon runs behind
 * it ({@code ipfs.api} unset). Each answer has the shape Kubo gives it.
 *
 * <p>Stateless; each call runs on the proxy instance's context, the store's work on its workers.
 */
final class StoreCommands {
  /** The calls answered here, for the refusal of every other call. */
  static final String ANSWERED = "id, version";
  private static final String API = "/api/v0/";
  /** The Kubo RPC version ferry's answers follow. */
  private static final String KUBO_VERSION = "0.29.0";

  private final ContentStore store;
  private final PeerId peerId;

  StoreCommands(ContentStore store, PeerId peerId) {
    this.store = store;
    this.peerId = peerId;
  }

  /** The calls by path, as the proxy's commands. */
  Map<String, ProxyCommand> commands() {
    Map<String, ProxyCommand> commands = new LinkedHashMap<>();
    commands.put(API + "id", (request, options) -> id(request));
    commands.put(API + "version", (request, options) -> version(request));
    return commands;
  }

  /** {@code id}: the node's peer ID (the store has no libp2p host of its own) and the store's agent. */
  private void id(HttpServerRequest request) {
    store.id().onSuccess(id -> KuboAnswers.json(request.response(), new JsonObject()
        .put("ID", peerId.toString())
        .put("Addresses", new JsonArray())
        .put("AgentVersion", id.agent())
        .put("Protocols", new JsonArray())));
  }

  private static void version(HttpServerRequest request) {
    KuboAnswers.json(request.response(), new JsonObject()
        .put("Version", KUBO_VERSION)
        .put("Commit", "")
        .put("Repo", "ferry-" + Version.current())
        .put("System", System.getProperty("os.arch") + "/" + System.getProperty("os.name").toLowerCase())
        .put("Golang", ""));
  }
}
