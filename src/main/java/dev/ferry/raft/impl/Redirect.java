package dev.ferry.raft.impl;

import dev.ferry.core.BusJson;
import io.vertx.core.json.JsonObject;

/**
 * The answer of a node that a forwarded request reached after it stopped leading:
 * {@code {"redirect": leader}}, the leader it knows now (null if none), on node-internal addresses
 * only. Immutable.
 */
record Redirect(String leader) implements BusJson {
  private static final String FIELD = "redirect";

  @Override
  public JsonObject toJson() {
    return new JsonObject().put(FIELD, leader);
  }

  /** Whether a forwarded request's answer is a redirect rather than the request's own answer. */
  static boolean isOne(JsonObject reply) {
    return reply.containsKey(FIELD);
  }

  static Redirect fromJson(JsonObject reply) {
    return new Redirect(reply.getString(FIELD));
  }
}
