package dev.ferry.ctl;

import dev.ferry.peers.PeerId;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The pin options that {@code ctl pin add} and {@code ctl add} share, as ipfs-cluster-ctl names
 * them ({@code --name}, {@code --expire-in}, {@code --metadata}, and {@link PlacementOptions}'s
 * {@code --rmin}, {@code --rmax}, {@code --allocations}), turned into IPFS Cluster's query
 * ({@code api.PinOptions.ToQuery}). A replication of 0 means the node's default in IPFS Cluster
 * and is left out of the query, which means the same to ferry. Filled by picocli; one per command.
 */
final class CtlPinOptions {
  @Option(names = {"--name", "-n"}, paramLabel = "NAME", description = "Sets a name for this pin")
  String name = "";

  @Mixin
  PlacementOptions placement = new PlacementOptions();

  @Option(names = "--expire-in", paramLabel = "DURATION",
      description = "Duration after which the pin should be unpinned automatically (e.g. 1h30m)")
  String expireIn;

  @Option(names = "--metadata", paramLabel = "KEY=VALUE", description = "Pin metadata: key=value. Can be added "
      + "multiple times")
  List<String> metadata = new ArrayList<>();

  /** {@code --rmin}, 0 (the cluster's default) when not given. */
  int min() {
    return placement.min == null ? 0 : placement.min;
  }

  /** {@code --rmax}, 0 (the cluster's default) when not given. */
  int max() {
    return placement.max == null ? 0 : placement.max;
  }

  /**
   * The query parameters, in IPFS Cluster's names.
   *
   * @param strictAllocations whether a peer ID that does not parse fails ({@code pin add}) or is
   *     dropped ({@code add}), as in ipfs-cluster-ctl
   */
  Map<String, Object> query(int replicationMin, int replicationMax, boolean strictAllocations) throws CtlException {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("replication-min", replicationMin == 0 ? null : replicationMin);
    params.put("replication-max", replicationMax == 0 ? null : replicationMax);
    params.put("name", name);
    params.put("mode", "recursive");
    params.put("user-allocations", allocations(strictAllocations));
    expireAt(expireIn).ifPresent(at -> params.put("expire-at", at));
    params.putAll(metadata(metadata));
    return params;
  }

  private String allocations(boolean strict) throws CtlException {
    if (placement.allocations == null || placement.allocations.isEmpty()) {
      return null;
    }
    List<String> peers = new ArrayList<>();
    for (String peer : placement.allocations.split(",")) {
      try {
        peers.add(PeerId.parse(peer.strip()).toString());
      } catch (IllegalArgumentException e) {
        if (strict) {
          throw new CtlException("decoding allocations", "some peer IDs could not be decoded (" + e.getMessage() + ")");
        }
      }
    }
    return peers.isEmpty() ? null : String.join(",", peers);
  }

  /** {@code --expire-in} as the time it ends, RFC 3339 as Go writes it; empty without one. */
  static Optional<String> expireAt(String expireIn) throws CtlException {
    if (expireIn == null || expireIn.isEmpty()) {
      return Optional.empty();
    }
    Duration in;
    try {
      in = GoDuration.parse(expireIn);
    } catch (RuntimeException e) {
      throw new CtlException("parsing expire-in", e.getMessage());
    }
    return Optional.of(Formats.rfc3339Nano(OffsetDateTime.now().plus(in).toString()));
  }

  /** {@code --metadata k=v ...} as the query's {@code meta-k=v}. */
  static Map<String, Object> metadata(List<String> pairs) throws CtlException {
    Map<String, Object> params = new LinkedHashMap<>();
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      if (eq < 0) {
        throw new CtlException("parsing metadata", "metadata were not in the format key=value");
      }
      if (eq > 0) {
        params.put("meta-" + pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    return params;
  }
}
