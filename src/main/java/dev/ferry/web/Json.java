package dev.ferry.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** JSON answers, in one shape for every route. */
final class Json {
  static final String CONTENT_TYPE = "application/json";

  private Json() {}

  static void send(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", CONTENT_TYPE).end(body.encode());
  }

  /** A JSON value already encoded. */
  static void send(RoutingContext ctx, Buffer body) {
    ctx.response().putHeader("Content-Type", CONTENT_TYPE).end(body);
  }

  /** Newline-delimited JSON, as IPFS Cluster streams lists. */
  static void sendLines(RoutingContext ctx, List<JsonObject> lines) {
    StringBuilder body = new StringBuilder();
    lines.forEach(line -> body.append(line.encode()).append('\n'));
    ctx.response().putHeader("Content-Type", CONTENT_TYPE).end(body.toString());
  }
}
