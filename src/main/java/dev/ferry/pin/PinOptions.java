package dev.ferry.pin;

import dev.ferry.core.FerryException;
import java.util.function.Function;

/**
 * How a caller wants the cluster to pin: a pin name and replication bounds, each {@code null} when
 * the caller did not say (then the pin service's defaults, {@code pin.replication_*}, apply). The
 * HTTP API, {@code POST /add} and the IPFS proxy read them from the same query parameters.
 *
 * <p>Immutable.
 */
public record PinOptions(String name, Integer replicationMin, Integer replicationMax) {
  /** No name, the service's default replication. */
  public static final PinOptions DEFAULTS = new PinOptions(null, null, null);

  /**
   * Reads {@code name}, {@code replication} (both bounds), {@code replication-min} and
   * {@code replication-max} from a query; {@code -1} means every node.
   *
   * @throws FerryException {@code bad-request} naming the parameter that is not a whole number, or
   *     the two that contradict each other (a minimum above the maximum); a bound the query leaves
   *     out is the pin service's to check, against its default
   */
  public static PinOptions fromQuery(Function<String, String> param) {
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
    return new PinOptions(name == null || name.isBlank() ? null : name, least, most);
  }

  /** These options with {@code fallback} as the name when they name none (cut to the longest a pin may have). */
  public PinOptions orName(String fallback) {
    if (name != null || fallback == null) {
      return this;
    }
    return new PinOptions(fallback.substring(0, Math.min(fallback.length(), Pin.MAX_NAME_LENGTH)), replicationMin,
        replicationMax);
  }

  private static Integer whole(Function<String, String> param, String name) {
    String text = param.apply(name);
    if (text == null) {
      return null;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw FerryException.badRequest(name + ": expected a whole number (-1 for every node), got '" + text + "'");
    }
  }
}
