package dev.ferry.pin;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a caller wants the cluster to pin: a pin name and replication bounds, each {@code null} when
 * the caller did not say (then the pin service's defaults, {@code pin.replication_*}, apply), and
 * IPFS Cluster's further options ({@link Pin.Extras}). The HTTP API, {@code POST /add} and the IPFS
 * proxy read them from the same query parameters, those of IPFS Cluster's {@code PinOptions}.
 *
 * <p>Immutable.
 */
public record PinOptions(String name, Integer replicationMin, Integer replicationMax, Pin.Extras extras) {
  /** No name, the service's default replication, no further options. */
  public static final PinOptions DEFAULTS = new PinOptions(null, null, null);
  /** The prefix of a query parameter that is a metadata entry ({@code meta-owner=ann}). */
  public static final String META = "meta-";

  private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

  /** Name and replication only. */
  public PinOptions(String name, Integer replicationMin, Integer replicationMax) {
    this(name, replicationMin, replicationMax, Pin.Extras.NONE);
  }

  /** {@link #fromQuery(Function, Collection, Function)} without metadata, user allocations taken as named. */
  public static PinOptions fromQuery(Function<String, String> param) {
    return fromQuery(param, List.of(), Optional::of);
  }

  /**
   * Reads IPFS Cluster's pin options from a query: {@code name}, {@code replication} (both bounds),
   * {@code replication-min}, {@code replication-max} ({@code -1} every node, {@code 0} the
   * default, as Go clients send it), {@code mode}, {@code shard-size} (0 only: ferry does not
   * shard), {@code user-allocations}, {@code expire-at} or {@code expire-in}, {@code meta-*},
   * {@code pin-update} and {@code origins}. Unknown parameters are ignored, as IPFS Cluster does.
   *
   * @param names every parameter name of the query (for {@code meta-*})
   * @param node the node a user allocation means (a name or a peer ID), empty if none
   * @throws FerryException {@code bad-request} naming the parameter whose value is malformed, or
   *     the two that contradict each other (a minimum above the maximum); a bound the query leaves
   *     out is the pin service's to check, against its default
   */
  public static PinOptions fromQuery(Function<String, String> param, Collection<String> names,
      Function<String, Optional<String>> node) {
    Integer both = whole(param, "replication");
    Integer min = whole(param, "replication-min");
    Integer max = whole(param, "replication-max");
    Integer least = min != null ? min : both;
    Integer most = max != null ? max : both;
    if (least != null && most != null) {
      Pin.checkBounds(least, most, min != null ? "replication-min" : "replication",
          max != null ? "replication-max" : "replication");
    }
    String name = param.apply("name");
    return new PinOptions(name == null || name.isBlank() ? null : name, least, most, extras(param, names, node));
  }

  private static Pin.Extras extras(Function<String, String> param, Collection<String> names,
      Function<String, Optional<String>> node) {
    String mode = given(param, "mode");
    if (mode != null && !mode.equals(Pin.Extras.RECURSIVE) && !mode.equals(Pin.Extras.DIRECT)) {
      throw FerryException.badRequest("mode: expected recursive or direct, got '" + mode + "'");
    }
    String shardSize = given(param, "shard-size");
    if (shardSize != null) {
      long size;
      try {
        size = Long.parseLong(shardSize.trim());
      } catch (NumberFormatException e) {
        throw FerryException.badRequest("shard-size: expected a whole number of bytes, got '" + shardSize + "'");
      }
      if (size != 0) {
        throw FerryException.badRequest("shard-size: sharding is not supported by ferry; leave shard-size out or 0");
      }
    }
    List<String> users = new ArrayList<>();
    for (String user : list(param, "user-allocations")) {
      String resolved = node.apply(user).orElseThrow(() -> FerryException.badRequest("user-allocations: '" + user
          + "' is neither a node name nor the peer ID of a node of this cluster"));
      if (!users.contains(resolved)) {
        users.add(resolved);
      }
    }
    Map<String, String> metadata = new TreeMap<>();
    for (String key : names) {
      if (key.startsWith(META) && key.length() > META.length()) {
        metadata.put(key.substring(META.length()), param.apply(key));
      }
    }
    String update = given(param, "pin-update");
    if (update != null) {
      update = cid(update, "pin-update");
    }
    List<String> origins = list(param, "origins");
    for (String origin : origins) {
      if (!origin.startsWith("/") || !origin.contains("/p2p/")) {
        throw FerryException.badRequest("origins: expected multiaddrs with a peer ID (/ip4/1.2.3.4/tcp/4001/p2p/"
            + "12D3KooW...), got '" + origin + "'");
      }
    }
    Pin.Extras extras = new Pin.Extras(mode == null ? Pin.Extras.RECURSIVE : mode, users, expireAt(param), metadata,
        origins, update == null ? "" : update);
    return extras.equals(Pin.Extras.NONE) ? Pin.Extras.NONE : extras;
  }

  /** {@code expire-at} (RFC 3339) or else {@code expire-in} (a Go duration: {@code 1h30m}), as an instant; "" for none. */
  private static String expireAt(Function<String, String> param) {
    String at = given(param, "expire-at");
    if (at != null) {
      return Pin.instant(at, "expire-at");
    }
    String in = given(param, "expire-in");
    if (in == null) {
      return "";
    }
    Duration duration = goDuration(in);
    if (duration.isNegative() || duration.isZero()) {
      throw FerryException.badRequest("expire-in: expected a positive duration such as 90s or 1h30m, got '" + in + "'");
    }
    return Instant.now().plus(duration).toString();
  }

  /**
   * A Go duration ({@code 300ms}, {@code 1.5h}, {@code 2h45m}); the units ns, us (µs), ms, s, m, h.
   *
   * @throws FerryException {@code bad-request} naming {@code expire-in}
   */
  static Duration goDuration(String text) {
    String rest = text.trim();
    boolean negative = rest.startsWith("-");
    if (negative || rest.startsWith("+")) {
      rest = rest.substring(1);
    }
    Matcher part = GO_DURATION.matcher(rest);
    double nanos = 0;
    int at = 0;
    while (at < rest.length() && part.find(at) && part.start() == at) {
      nanos += Double.parseDouble(part.group(1)) * switch (part.group(2)) {
        case "ns" -> 1d;
        case "us", "µs" -> 1e3;
        case "ms" -> 1e6;
        case "s" -> 1e9;
        case "m" -> 60e9;
        default -> 3600e9;
      };
      at = part.end();
    }
    if (rest.isEmpty() || at != rest.length()) {
      throw FerryException.badRequest("expire-in: expected a duration such as 90s or 1h30m, got '" + text + "'");
    }
    Duration duration = Duration.ofNanos((long) nanos);
    return negative ? duration.negated() : duration;
  }

  /** These options with {@code fallback} as the name when they name none (cut to the longest a pin may have). */
  public PinOptions orName(String fallback) {
    if (name != null || fallback == null) {
      return this;
    }
    return new PinOptions(fallback.substring(0, Math.min(fallback.length(), Pin.MAX_NAME_LENGTH)), replicationMin,
        replicationMax, extras);
  }

  /** A query parameter, null when absent or empty (Go clients send every option, empty ones too). */
  private static String given(Function<String, String> param, String name) {
    String text = param.apply(name);
    return text == null || text.isBlank() ? null : text.trim();
  }

  /** A comma-separated list parameter, without empty items. */
  private static List<String> list(Function<String, String> param, String name) {
    String text = given(param, name);
    if (text == null) {
      return List.of();
    }
    List<String> items = new ArrayList<>();
    for (String item : text.split(",")) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return items;
  }

  private static String cid(String text, String name) {
    try {
      return Cid.parse(text).toString();
    } catch (FerryException e) {
      throw FerryException.badRequest(name + ": " + e.getMessage());
    }
  }

  /** A replication bound: a whole number, -1 for every node; 0 (as Go clients send) for the default. */
  private static Integer whole(Function<String, String> param, String name) {
    String text = param.apply(name);
    if (text == null || text.isBlank()) {
      return null;
    }
    int value;
    try {
      value = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw FerryException.badRequest(name + ": expected a whole number (-1 for every node), got '" + text + "'");
    }
    if (value < Pin.EVERYWHERE) {
      throw FerryException.badRequest(name + ": expected a positive whole number, -1 (every node) or 0 (the default), "
          + "got '" + text + "'");
    }
    return value == 0 ? null : value;
  }
}
