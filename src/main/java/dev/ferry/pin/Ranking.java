package dev.ferry.pin;

import dev.ferry.core.FerryException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One metric of {@code pin.allocate_by} as the proposer of a pin saw it, carried in the op so that
 * every replica allocates alike: per node, a text (a tag: nodes with one value form a group) or a
 * whole number (a rank: larger first; free space in whole {@code pin.freespace_step_bytes}). A node
 * without a value ranks after those with one. In an op:
 * {@code "metrics": [{"name": "tag:group", "values": {"node1": "eu"}}, {"name": "freespace", "values": {"node1": 9}}]}.
 * Immutable.
 */
record Ranking(String name, boolean partitions, Map<String, Object> values) {
  /** The field of an op that holds its rankings. */
  static final String FIELD = "metrics";

  Ranking {
    values = Map.copyOf(values);   // a copy already immutable (groups, ranks) is kept as it is
  }

  /** A tag: nodes with the same text form a group, groups take turns. */
  static Ranking groups(String name, Map<String, String> values) {
    return new Ranking(name, true, Map.copyOf(values));
  }

  /** A rank per node: larger first. */
  static Ranking ranks(String name, Map<String, Long> values) {
    return new Ranking(name, false, Map.copyOf(values));
  }

  JsonObject toJson() {
    return new JsonObject().put("name", name).put("values", new JsonObject(new TreeMap<>(values)));
  }

  static JsonArray toJson(List<Ranking> rankings) {
    return new JsonArray(rankings.stream().map(Ranking::toJson).toList());
  }

  /**
   * The rankings of an op (none when it has no {@value #FIELD}).
   *
   * @throws FerryException {@code bad-request} naming what is malformed
   */
  static List<Ranking> of(JsonObject op) {
    Object field = op.getValue(FIELD);
    if (field == null) {
      return List.of();
    }
    if (!(field instanceof JsonArray array)) {
      throw FerryException.badRequest("field " + FIELD + ": expected an array of {\"name\", \"values\"}, got " + field);
    }
    List<Ranking> rankings = new ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof JsonObject ranking) || !(ranking.getValue("name") instanceof String name)
          || !(ranking.getValue("values") instanceof JsonObject values)) {
        throw FerryException.badRequest("field " + FIELD + ": expected {\"name\": metric, \"values\": {node: value}}, "
            + "got " + item);
      }
      boolean text = values.stream().anyMatch(e -> e.getValue() instanceof String);
      Map<String, Object> read = new TreeMap<>();
      for (Map.Entry<String, Object> value : values) {
        Object v = value.getValue();
        boolean whole = v instanceof Integer || v instanceof Long;
        if (text ? !(v instanceof String) : !whole) {
          throw FerryException.badRequest("field " + FIELD + ": the values of " + name + " must be all texts (a tag) "
              + "or all whole numbers (a rank), got " + values.encode());
        }
        read.put(value.getKey(), whole ? ((Number) v).longValue() : v);
      }
      rankings.add(new Ranking(name, text, read));
    }
    return List.copyOf(rankings);
  }
}
