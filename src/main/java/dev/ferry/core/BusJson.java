package dev.ferry.core;

import io.vertx.core.json.JsonObject;

/**
 * A typed request or reply of a service on the event bus: a record that writes its documented
 * wire form (docs/ADDRESSES.md), the JSON object bridge clients send and receive. A request's JSON
 * holds its name under {@code op}; a service reads it back with its {@link Requests}.
 *
 * <p>Implementations are immutable records, so thread-safe.
 */
public interface BusJson {
  /** The wire form: a new JSON object the caller may change. */
  JsonObject toJson();

  /** A reply that is already JSON, passed on unread (as a node that relays another node's answer). */
  static BusJson of(JsonObject json) {
    return json::copy;
  }
}
