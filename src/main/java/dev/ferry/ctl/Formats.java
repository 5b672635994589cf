package dev.ferry.ctl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The text of {@code ferry ctl --enc text}: each API object laid out as ipfs-cluster-ctl 1.1's
 * formatters lay it out (its {@code formatters.go}), so scripts written for ipfs-cluster-ctl read
 * ferry's output. Reads IPFS Cluster's JSON shapes; where ferry's answer still differs (a pin's
 * numeric {@code type}, peers keyed by name), it reads that too. Each method returns whole lines,
 * each ending in a newline. Stateless.
 */
final class Formats {
  private static final String ZERO_TIME = "0001-01-01T00:00:00Z";
  private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
  /** IPFS Cluster's pin types by their numeric value (a bit each), as ferry wrote them at first. */
  private static final Map<Integer, String> PIN_TYPES = Map.of(1, "bad-type", 2, "pin", 4, "meta-pin",
      8, "clusterdag-pin", 16, "shard-pin");
  private static final int EVERYWHERE = -1;

  private Formats() {}

  /** An {@code api.ID}: peer, name and how many others it sees, its addresses, its IPFS daemon. */
  static String id(JsonObject id) {
    StringBuilder b = new StringBuilder();
    String error = string(id, "error");
    if (!error.isEmpty()) {
      return b.append(string(id, "id")).append(" | ERROR: ").append(error).append('\n').toString();
    }
    b.append(String.format("%s | %s | Sees %d other peers\n", string(id, "id"), string(id, "peername"),
        array(id, "cluster_peers").size() - 1));
    b.append("  > Addresses:\n");
    sorted(array(id, "addresses")).forEach(a -> b.append("    - ").append(a).append('\n'));
    JsonObject ipfs = id.getValue("ipfs") instanceof JsonObject o ? o : new JsonObject();
    if (!string(ipfs, "error").isEmpty()) {
      return b.append("  > IPFS ERROR: ").append(string(ipfs, "error")).append('\n').toString();
    }
    b.append("  > IPFS: ").append(string(ipfs, "id")).append('\n');
    sorted(array(ipfs, "addresses")).forEach(a -> b.append("    - ").append(a).append('\n'));
    return b.toString();
  }

  /** A {@code GlobalPinInfo}: the CID and name, then each peer's status, sorted by peer. */
  static String status(JsonObject info) {
    StringBuilder b = new StringBuilder(cid(info));
    if (!string(info, "name").isEmpty()) {
      b.append(" | ").append(string(info, "name"));
    }
    b.append(":\n");
    JsonObject peers = info.getValue("peer_map") instanceof JsonObject o ? o : new JsonObject();
    for (String peer : new TreeSet<>(peers.fieldNames())) {
      JsonObject v = peers.getJsonObject(peer);
      String name = string(v, "peername").isEmpty() ? peer : string(v, "peername");
      b.append(String.format("    > %-20s : %s", name, string(v, "status").toUpperCase(Locale.ROOT)));
      if (!string(v, "error").isEmpty()) {
        b.append(": ").append(string(v, "error"));
      }
      b.append(" | ").append(rfc3339Nano(string(v, "timestamp")));
      b.append(" | Attempts: ").append(v.getValue("attempt_count") instanceof Number n ? n.intValue() : 0);
      b.append(" | Priority: ").append(Boolean.TRUE.equals(v.getValue("priority_pin"))).append('\n');
    }
    return b.toString();
  }

  /** An {@code api.Pin}: CID, name, type, replication and allocations, depth, metadata, expiry, time. */
  static String pin(JsonObject pin) {
    StringBuilder b = new StringBuilder();
    String type = pinType(pin.getValue("type")).toUpperCase(Locale.ROOT);
    if ("direct".equals(pin.getValue("mode"))) {
      type += "-DIRECT";
    }
    b.append(cid(pin)).append(" | ").append(string(pin, "name")).append(" | ").append(type).append(" | ");
    int min = integer(pin, "replication_factor_min");
    int max = integer(pin, "replication_factor_max");
    if (min == EVERYWHERE && max == EVERYWHERE) {
      b.append("Repl. Factor: -1 | Allocations: [everywhere]");
    } else {
      b.append("Repl. Factor: ").append(min).append("--").append(max).append(" | Allocations: [")
          .append(String.join(" ", sorted(array(pin, "allocations")))).append(']');
    }
    int depth = integer(pin, "max_depth");
    b.append(" | ").append(depth == 0 ? "Direct" : depth == EVERYWHERE ? "Recursive" : "Recursive-" + depth);
    b.append(" | Metadata:").append(pin.getValue("metadata") instanceof JsonObject m && !m.isEmpty() ? " yes" : " no");
    String expires = dayTime(string(pin, "expire_at"));
    b.append(" | Exp: ").append(expires.isEmpty() ? "∞" : expires);
    String added = dayTime(string(pin, "timestamp"));
    return b.append(" | Added: ").append(added.isEmpty() ? "unknown" : added).append('\n').toString();
  }

  /** An {@code AddedOutput}: {@code added <cid> <name>}, or its CID alone with {@code -q}. */
  static String added(JsonObject added, boolean quiet) {
    return quiet ? cid(added) + "\n" : "added " + cid(added) + " " + string(added, "name") + "\n";
  }

  static String version(JsonObject version) {
    return string(version, "version") + "\n";
  }

  /** An {@code api.Metric}: peer, name and value (freespace in bytes for people), when it expires. */
  static String metric(JsonObject metric, Instant now) {
    String value = string(metric, "value");
    long weight = metric.getValue("weight") instanceof Number n ? n.longValue() : 0;
    if ("freespace".equals(string(metric, "name")) && weight > 0) {
      value = Humanize.bytes(weight);
    }
    return String.format("%s | %s: %s | Expires in: %s\n", string(metric, "peer"), string(metric, "name"), value,
        Humanize.time(unixNanos(metric, "expire"), now));
  }

  /** An {@code api.Alert}: the peer whose metric expired, when, and when the alert was raised. */
  static String alert(JsonObject alert, Instant now) {
    Instant triggered;
    try {
      triggered = OffsetDateTime.parse(string(alert, "triggered_at")).toInstant();
    } catch (DateTimeParseException e) {
      triggered = OffsetDateTime.parse(ZERO_TIME).toInstant();
    }
    return String.format("%s: %s. Expired at: %s. Triggered at: %s\n", string(alert, "peer"), string(alert, "name"),
        Humanize.time(unixNanos(alert, "expire"), now), Humanize.time(triggered, now));
  }

  /** An {@code api.BandwidthByProtocol}: one line per protocol, sorted. */
  static String bandwidth(JsonObject byProtocol) {
    StringBuilder b = new StringBuilder();
    for (String protocol : new TreeSet<>(byProtocol.fieldNames())) {
      JsonObject stat = byProtocol.getValue(protocol) instanceof JsonObject o ? o : new JsonObject();
      b.append(String.format(Locale.ROOT, "%25s: In: %7s. Out: %7s. RateIn: %.2fB/s. RateOut: %.2fB/s\n", protocol,
          Humanize.bytes(number(stat, "total_in").longValue()), Humanize.bytes(number(stat, "total_out").longValue()),
          number(stat, "rate_in").doubleValue(), number(stat, "rate_out").doubleValue()));
    }
    return b.toString();
  }

  /** An {@code api.GlobalRepoGC}: per peer (by name when known), the CIDs its daemon collected. */
  static String repoGc(JsonObject gc) {
    StringBuilder b = new StringBuilder();
    JsonObject peers = gc.getValue("peer_map") instanceof JsonObject o ? o : new JsonObject();
    for (String peer : new TreeSet<>(peers.fieldNames())) {
      JsonObject item = peers.getJsonObject(peer);
      String name = string(item, "peername").isEmpty() ? peer : string(item, "peername");
      b.append(String.format("%-15s", name));
      b.append(string(item, "error").isEmpty() ? "\n" : " | ERROR: " + string(item, "error") + "\n");
      b.append("  > CIDs:\n");
      for (Object key : array(item, "keys")) {
        JsonObject k = key instanceof JsonObject o ? o : new JsonObject();
        b.append(string(k, "error").isEmpty() ? "    - " + cidOf(k.getValue("key")) + "\n"
            : "    - ERROR: " + string(k, "error") + "\n");
      }
    }
    return b.toString();
  }

  /** An {@code api.Error} the API answered. */
  static String error(JsonObject error) {
    return "An error occurred:\n  Code: " + integer(error, "code") + "\n  Message: " + string(error, "message") + "\n";
  }

  /** A time as Go's {@code time.Time.MarshalText} writes it (RFC 3339 with only the nanoseconds it needs). */
  static String rfc3339Nano(String text) {
    OffsetDateTime t;
    try {
      t = OffsetDateTime.parse(text.isEmpty() ? ZERO_TIME : text);
    } catch (DateTimeParseException e) {
      return text;
    }
    StringBuilder b = new StringBuilder(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT).format(t));
    if (t.getNano() != 0) {
      b.append('.').append(String.format("%09d", t.getNano()).replaceAll("0+$", ""));
    }
    return b.append(t.getOffset().equals(ZoneOffset.UTC) ? "Z" : t.getOffset().getId()).toString();
  }

  /** {@code 2006-01-02 15:04:05} in the time's own offset, or empty for no time (Go's zero time). */
  private static String dayTime(String text) {
    try {
      OffsetDateTime t = OffsetDateTime.parse(text);
      return t.toInstant().equals(OffsetDateTime.parse(ZERO_TIME).toInstant()) ? "" : DAY_TIME.format(t);
    } catch (DateTimeParseException e) {
      return "";
    }
  }

  private static String pinType(Object type) {
    if (type instanceof Number n) {
      return PIN_TYPES.getOrDefault(n.intValue(), "bad-type");
    }
    return type == null ? "bad-type" : type.toString();
  }

  private static Instant unixNanos(JsonObject json, String key) {
    long nanos = number(json, key).longValue();
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  /** A CID field: IPFS Cluster writes a string; {@code {"/": cid}} (IPLD's link form) is read too. */
  static String cid(JsonObject json) {
    return cidOf(json.getValue("cid"));
  }

  private static String cidOf(Object value) {
    if (value instanceof JsonObject link) {
      return string(link, "/");
    }
    return value == null ? "" : value.toString();
  }

  static String string(JsonObject json, String key) {
    Object value = json.getValue(key);
    return value == null ? "" : value.toString();
  }

  private static int integer(JsonObject json, String key) {
    return number(json, key).intValue();
  }

  private static Number number(JsonObject json, String key) {
    return json.getValue(key) instanceof Number n ? n : 0;
  }

  private static JsonArray array(JsonObject json, String key) {
    return json.getValue(key) instanceof JsonArray a ? a : new JsonArray();
  }

  private static List<String> sorted(JsonArray values) {
    List<String> list = new ArrayList<>();
    values.forEach(v -> list.add(String.valueOf(v)));
    list.sort(null);
    return list;
  }
}
