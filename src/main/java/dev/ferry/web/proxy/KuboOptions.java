package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import dev.ferry.pin.PinOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The query options of a Kubo RPC call the proxy answers itself (only those: forwarded calls are
 * never parsed), read and checked at the edge. Every failure is a {@code bad-request} that names
 * the option.
 *
 * <p>Immutable.
 */
final class KuboOptions {
  /** ferry's own options of {@code add} and {@code pin/add}; the daemon never sees them. */
  static final Set<String> CLUSTER_OPTIONS = Set.of("name", "replication", "replication-min", "replication-max");
  private static final String IPFS_PREFIX = "/ipfs/";
  /** Booleans as Kubo reads them (Go's {@code strconv.ParseBool}). */
  private static final Set<String> TRUE = Set.of("1", "t", "T", "true", "TRUE", "True");
  private static final Set<String> FALSE = Set.of("0", "f", "F", "false", "FALSE", "False");

  private final MultiMap params;

  private KuboOptions(MultiMap params) {
    this.params = params;
  }

  static KuboOptions of(HttpServerRequest request) {
    return of(request, null);
  }

  /**
   * The request's options, with {@code slashArg} (the argument of a slash form such as
   * {@code pin/add/<arg>}, percent-decoded, or null) as the first {@code arg}.
   */
  static KuboOptions of(HttpServerRequest request, String slashArg) {
    try {
      MultiMap params = request.params();
      if (slashArg == null) {
        return new KuboOptions(params);
      }
      MultiMap withArg = MultiMap.caseInsensitiveMultiMap().add("arg", URLDecoder.decode(slashArg,
          StandardCharsets.UTF_8));
      params.forEach(withArg::add);
      return new KuboOptions(withArg);
    } catch (IllegalArgumentException e) {
      throw FerryException.badRequest("malformed query string: " + e.getMessage());
    }
  }

  /** Every {@code arg}, read as a CID; at least one. */
  List<Cid> cids() {
    return args().stream().map(KuboOptions::cid).toList();
  }

  /** Every {@code arg} as given; at least one. */
  List<String> args() {
    List<String> args = params.getAll("arg");
    if (args.isEmpty()) {
      throw FerryException.badRequest("argument \"ipfs-path\" is required");
    }
    return args;
  }

  /**
   * The CID {@code arg} is, bare or as {@code /ipfs/CID}; empty for a path that needs resolving
   * (below a CID, {@code /ipns/}, {@code /ipld/}).
   *
   * @throws FerryException {@code bad-request} for what is neither a CID nor a path
   */
  static Optional<Cid> plainCid(String arg) {
    String text = arg.startsWith(IPFS_PREFIX) ? arg.substring(IPFS_PREFIX.length()) : arg;
    if (text.contains("/") || arg.startsWith("/ipns/") || arg.startsWith("/ipld/")) {
      return Optional.empty();
    }
    return Optional.of(Cid.parse(text));
  }

  /** Every {@code arg}, read as a CID; none is fine. */
  List<Cid> optionalCids() {
    return params.contains("arg") ? cids() : List.of();
  }

  /** The flag {@code name}; absent, {@code otherwise}; present without a value, true (as Kubo reads it). */
  boolean flag(String name, boolean otherwise) {
    String value = params.get(name);
    if (value == null) {
      return otherwise;
    }
    if (value.isEmpty() || TRUE.contains(value)) {
      return true;
    }
    if (FALSE.contains(value)) {
      return false;
    }
    throw FerryException.badRequest("option " + name + ": expected true or false, got '" + value + "'");
  }

  String string(String name, String otherwise) {
    String value = params.get(name);
    return value == null ? otherwise : value;
  }

  /** The whole number {@code name}, at least -1; absent, {@code otherwise}. */
  long number(String name, long otherwise) {
    String value = params.get(name);
    if (value == null || value.isEmpty()) {
      return otherwise;
    }
    try {
      long number = Long.parseLong(value);
      if (number >= -1) {
        return number;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw FerryException.badRequest("option " + name + ": expected a whole number, got '" + value + "'");
  }

  /** How the cluster should pin: {@code name}, {@code replication} (both bounds), {@code replication-min/-max}. */
  PinOptions clusterPin() {
    return PinOptions.fromQuery(params::get);
  }

  /**
   * A CID, bare or as {@code /ipfs/CID}. A path below a CID or an IPNS name would need resolving
   * by a daemon, and the cluster pins CIDs, so those are refused with a hint.
   */
  private static Cid cid(String arg) {
    if (arg.startsWith("/ipns/")) {
      throw FerryException.badRequest("'" + arg + "' is an IPNS name, and this call takes a CID");
    }
    String text = arg.startsWith(IPFS_PREFIX) ? arg.substring(IPFS_PREFIX.length()) : arg;
    if (text.contains("/")) {
      throw FerryException.badRequest("'" + arg + "' is a path below a CID, and this call takes a CID: give the CID "
          + "the path leads to (ls of the path's parent lists its entries' CIDs)");
    }
    return Cid.parse(text);
  }
}
