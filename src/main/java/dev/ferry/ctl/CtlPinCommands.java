package dev.ferry.ctl;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ctl pin add|rm|update|ls}, {@code ctl status} and {@code ctl recover}, as
 * ipfs-cluster-ctl's: the pin API ({@code /pins}, {@code /allocations}). CIDs and paths are
 * checked here before they are sent, so a typo is reported as such.
 */
final class CtlPinCommands {
  /** ipfs-cluster-ctl waits this long after a change before it asks for the status it prints. */
  static final Duration STATUS_DELAY = Duration.ofSeconds(1);
  /** The status names {@code status --filter} takes (IPFS Cluster's {@code TrackerStatus} and groups). */
  static final Set<String> STATUS_FILTERS = Set.of("cluster_error", "pin_error", "unpin_error", "error", "pinned",
      "pinning", "unpinning", "unpinned", "remote", "pin_queued", "unpin_queued", "queued", "sharded",
      "unexpectedly_unpinned");
  /** The pin types {@code pin ls --filter} takes, in IPFS Cluster's order. */
  private static final List<String> PIN_TYPES = List.of("pin", "meta-pin", "clusterdag-pin", "shard-pin");
  private static final Set<String> PATH_NAMESPACES = Set.of("ipfs", "ipns", "ipld");

  private CtlPinCommands() {}

  @Command(name = "pin", mixinStandardHelpOptions = true, description = "Pin and unpin and list items in the cluster.",
      subcommands = {Add.class, Rm.class, Update.class, Ls.class})
  static final class Pin {}

  /** {@code --no-status}, {@code --wait}, {@code --wait-limit}, {@code --wait-timeout} and what they print. */
  static final class AfterChange {
    @Option(names = {"--no-status", "--ns"}, description = "Prevents fetching pin status after the change (faster, "
        + "quieter)")
    boolean noStatus;

    @Option(names = {"--wait", "-w"}, description = "Wait for the pin to reach the minimum replication factor before "
        + "returning")
    boolean await;

    @Option(names = {"--wait-limit", "--wl"}, paramLabel = "N", description = "How many peers should reach the "
        + "desired status to finish waiting")
    Integer waitLimit;

    @Option(names = {"--wait-timeout", "--wt"}, paramLabel = "DURATION", converter = GoDuration.class,
        description = "How long to --wait (e.g. 30s). Default: forever")
    Duration waitTimeout = Duration.ZERO;

    /** Prints the pin or its status once the change is done, as ipfs-cluster-ctl does. */
    void print(Api api, Output out, Object answer, String target) throws CtlException {
      JsonObject pin = Output.object(answer);
      String cid = Formats.cid(pin);
      JsonObject status = null;
      boolean waited = false;
      if (await) {
        int limit = waitLimit != null ? waitLimit
            : target.equals("pinned") ? pin.getInteger("replication_factor_min", 0) : 0;
        status = StatusWait.until(api, cid, target, waitTimeout, limit);
        waited = true;
      }
      if (noStatus) {
        out.print(pin, Formats::pin);
        return;
      }
      if (!waited) {
        pause();
        status = Output.object(api.call("GET", "/pins/" + cid + "?local=false"));
      }
      out.print(status, Formats::status);
    }

    private static void pause() throws CtlException {
      try {
        Thread.sleep(STATUS_DELAY.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CtlException("", "interrupted");
      }
    }
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = {"Pin an item in the cluster (POST /pins/{cid}, or /pins/ipfs|ipns|ipld/{path}), then print its "
          + "status.", "Replication: -1 means everywhere, 0 the cluster's default."})
  static final class Add extends CtlAction {
    @Parameters(paramLabel = "<CID|Path>", description = "what to pin")
    String arg;

    @Option(names = {"--replication", "-r"}, paramLabel = "N",
        description = "Sets a custom replication factor (overrides --rmax and --rmin)")
    int replication;

    @Option(names = "--mode", paramLabel = "MODE", description = "Select a way to pin: recursive or direct")
    String mode = "recursive";

    @Mixin
    CtlPinOptions options;

    @Mixin
    AfterChange after;

    @Override
    void run(Api api, Output out) throws CtlException {
      String path = pinPath(arg);
      int min = replication != 0 ? replication : options.min();
      int max = replication != 0 ? replication : options.max();
      Map<String, Object> query = options.query(min, max, true);
      query.put("mode", mode.equals("direct") ? "direct" : "recursive");
      after.print(api, out, api.call("POST", "/pins" + path + Api.query(query)), "pinned");
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true,
      description = "Unpin an item from the cluster (DELETE /pins/{cid}), then print its status.")
  static final class Rm extends CtlAction {
    @Parameters(paramLabel = "<CID|Path>", description = "what to unpin")
    String arg;

    @Mixin
    AfterChange after;

    @Override
    void run(Api api, Output out) throws CtlException {
      after.print(api, out, api.call("DELETE", "/pins" + pinPath(arg)), "unpinned");
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = {"Pin a new item based on an existing one: its options, name and allocations (POST "
          + "/pins/{new}?pin-update={existing}).", "The existing pin stays; remove it with pin rm."})
  static final class Update extends CtlAction {
    @Parameters(index = "0", paramLabel = "<existing-CID>", description = "the pin to start from")
    String from;

    @Parameters(index = "1", paramLabel = "<new-CID|Path>", description = "what to pin")
    String to;

    @Option(names = {"--name", "-n"}, paramLabel = "NAME", description = "Sets a name for this updated pin")
    String name = "";

    @Option(names = "--expire-in", paramLabel = "DURATION",
        description = "Duration after which the pin should be unpinned automatically after updating")
    String expireIn;

    @Mixin
    AfterChange after;

    @Override
    void run(Api api, Output out) throws CtlException {
      String existing;
      try {
        existing = Cid.parse(from).toString();
      } catch (FerryException e) {
        throw new CtlException("parsing from Cid", e.getMessage());
      }
      Map<String, Object> query = new LinkedHashMap<>();
      query.put("name", name);
      query.put("mode", "recursive");
      CtlPinOptions.expireAt(expireIn).ifPresent(at -> query.put("expire-at", at));
      query.put("pin-update", existing);
      after.print(api, out, api.call("POST", "/pins" + pinPath(to) + Api.query(query)), "pinned");
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true,
      description = {"List items in the cluster pinset and where they are allocated (GET /allocations).",
          "The filter only takes effect when listing all pins: all (default), pin, meta-pin, clusterdag-pin, "
              + "shard-pin."})
  static final class Ls extends CtlAction {
    @Parameters(paramLabel = "[CID]", arity = "0..1", description = "one pin; default: all")
    String cid;

    @Option(names = "--filter", paramLabel = "TYPES", description = "Comma separated list of pin types")
    String filter = "all";

    @Override
    void run(Api api, Output out) throws CtlException {
      if (cid != null) {
        out.print(api.call("GET", "/allocations/" + parseCid(cid)), Formats::pin);
        return;
      }
      api.stream("GET", "/allocations?filter=" + encode(pinTypes(filter)), null, pin -> out.print(pin, Formats::pin));
    }

    /** ipfs-cluster-ctl's filter: {@code all} when it includes every type (or none is named), else the known ones. */
    private static String pinTypes(String filter) {
      List<String> named = List.of(filter.split(","));
      if (named.contains("all") || named.contains("") || named.containsAll(PIN_TYPES)) {
        return "all";
      }
      return PIN_TYPES.stream().filter(named::contains).collect(Collectors.joining(","));
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Retrieve the status of tracked items: each peer's, with errors (GET /pins).",
          "--filter keeps the items some peer's status of matches one of: cluster_error, error, pin_error, pin_queued, "
              + "pinned, pinning, queued, remote, sharded, unexpectedly_unpinned, unpin_error, unpin_queued, "
              + "unpinned, unpinning."})
  static final class Status extends CtlAction {
    @Parameters(paramLabel = "[CID1] [CID2]...", arity = "0..*", description = "the items; default: all")
    List<String> cids = new ArrayList<>();

    @Option(names = "--local", description = "run operation only on the contacted peer")
    boolean local;

    @Option(names = "--filter", paramLabel = "STATUSES", description = "comma-separated list of filters")
    String filter = "";

    @Override
    void run(Api api, Output out) throws CtlException {
      List<String> parsed = new ArrayList<>();
      for (String cid : cids) {
        parsed.add(parseCid(cid));
      }
      if (parsed.size() == 1) {
        out.print(api.call("GET", "/pins/" + parsed.get(0) + "?local=" + local), Formats::status);
        return;
      }
      Map<String, Object> query = new LinkedHashMap<>();
      query.put("local", local);
      if (parsed.isEmpty()) {
        query.put("filter", statusFilter(filter));
      } else {
        query.put("cids", String.join(",", parsed));
      }
      api.stream("GET", "/pins" + Api.query(query), null, info -> out.print(info, Formats::status));
    }

    /** The known names among {@code filter}; none while one was asked is an error, as in ipfs-cluster-ctl. */
    private static String statusFilter(String filter) throws CtlException {
      List<String> known = new ArrayList<>();
      for (String name : filter.replace(" ", "").split(",")) {
        if (STATUS_FILTERS.contains(name)) {
          known.add(name);
        }
      }
      if (known.isEmpty() && !filter.isEmpty()) {
        throw new CtlException("parsing filter flag", "invalid filter name");
      }
      return known.isEmpty() ? null : String.join(",", known);
    }
  }

  @Command(name = "recover", mixinStandardHelpOptions = true,
      description = {"Recover tracked items in error state: have the peers pin or unpin them again, and print their "
          + "status (POST /pins/{cid}/recover, or /pins/recover for all)."})
  static final class Recover extends CtlAction {
    @Parameters(paramLabel = "[CID]", arity = "0..1", description = "the item; default: every item in error")
    String cid;

    @Option(names = "--local", description = "run operation only on the contacted peer")
    boolean local;

    @Override
    void run(Api api, Output out) throws CtlException {
      if (cid != null) {
        out.print(api.call("POST", "/pins/" + parseCid(cid) + "/recover?local=" + local), Formats::status);
      } else {
        api.stream("POST", "/pins/recover?local=" + local, null, info -> out.print(info, Formats::status));
      }
    }
  }

  /** The CID's canonical text; a malformed one fails as ipfs-cluster-ctl's {@code parsing cid}. */
  static String parseCid(String cid) throws CtlException {
    try {
      return Cid.parse(cid).toString();
    } catch (FerryException e) {
      throw new CtlException("parsing cid", e.getMessage());
    }
  }

  /**
   * The API path below {@code /pins} of what to pin, as IPFS Cluster's client makes it: {@code /<cid>}
   * for a CID, {@code /ipfs|ipns|ipld/...} for a path; anything else is an invalid path.
   */
  static String pinPath(String arg) throws CtlException {
    if (!arg.startsWith("/")) {
      try {
        return "/" + Cid.parse(arg);
      } catch (FerryException e) {
        throw new CtlException("", "invalid path \"/ipfs/" + arg + "\": " + e.getMessage());
      }
    }
    String[] segments = arg.substring(1).split("/", -1);
    if (segments.length < 2 || !PATH_NAMESPACES.contains(segments[0]) || segments[1].isEmpty()) {
      throw new CtlException("", "invalid path \"" + arg + "\": expected /ipfs/<cid>[/...], /ipld/<cid>[/...] or "
          + "/ipns/<name>[/...]");
    }
    if (!segments[0].equals("ipns")) {
      try {
        segments[1] = Cid.parse(segments[1]).toString();
      } catch (FerryException e) {
        throw new CtlException("", "invalid path \"" + arg + "\": " + e.getMessage());
      }
      if (segments[0].equals("ipfs") && segments.length == 2) {
        return "/" + segments[1];   // /ipfs/<cid> is the CID itself: its own route, on every version of the API
      }
    }
    StringBuilder path = new StringBuilder();
    for (String segment : segments) {
      path.append('/').append(encode(segment).replace("+", "%20"));
    }
    return path.toString();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
