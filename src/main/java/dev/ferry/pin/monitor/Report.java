package dev.ferry.pin.monitor;

import dev.ferry.core.FerryException;
import dev.ferry.core.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a node publishes on {@code ferry.monitor.metrics} (node-to-node, never bridged): its name and
 * some of its metrics, each with a time to live rather than an expiry, so the receiver dates them
 * on its own clock.
 *
 * <pre>
 * {"peer": node, "metrics": [{"name", "value", "weight", "valid", "partitionable", "ttl_ms"}...]}
 * </pre>
 *
 * Immutable.
 */
record Report(String peer, List<Sample> metrics) {
  /** One measurement as its informer made it. */
  record Sample(String name, String value, long weight, boolean valid, boolean partitionable, Duration ttl) {
    /** The metric as the receiver keeps it, received at {@code nowNanos} (Unix nanoseconds). */
    Metric received(String peer, long nowNanos) {
      return new Metric(name, peer, value, weight, valid, partitionable, nowNanos + ttl.toNanos(), nowNanos);
    }
  }

  Report {
    metrics = List.copyOf(metrics);
  }

  JsonObject toJson() {
    JsonArray samples = new JsonArray();
    metrics.forEach(s -> samples.add(new JsonObject().put("name", s.name()).put("value", s.value())
        .put("weight", s.weight()).put("valid", s.valid()).put("partitionable", s.partitionable())
        .put("ttl_ms", s.ttl().toMillis())));
    return new JsonObject().put("peer", peer).put("metrics", samples);
  }

  /**
   * Reads a report.
   *
   * @throws FerryException {@code bad-request} naming the field that is wrong
   */
  static Report fromJson(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw FerryException.badRequest("a metrics report is a JSON object, got " + body);
    }
    Fields f = Fields.of(json);
    String peer = f.string("peer");
    if (!(json.getValue("metrics") instanceof JsonArray array)) {
      throw Fields.bad("metrics", "an array of metrics", json.getValue("metrics"));
    }
    List<Sample> samples = new ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof JsonObject metric)) {
        throw Fields.bad("metrics[]", "a JSON object", item);
      }
      Fields m = Fields.of(metric);
      samples.add(new Sample(m.string("name"), m.string("value", ""), m.wholeNumber("weight", Long.MIN_VALUE, 0L),
          m.bool("valid", false), m.bool("partitionable", false), Duration.ofMillis(m.wholeNumber("ttl_ms", 1))));
    }
    return new Report(peer, samples);
  }
}
