package dev.ferry.ctl;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options of a new pin, shared by {@code ctl pin add} and {@code ctl add}: its name and
 * replication, sent as the query of {@code POST /pins/{cid}} and {@code POST /add}. Absent
 * options are not sent, so the node's defaults apply.
 */
final class CtlPinOptions {
  @Option(names = "--name", paramLabel = "NAME", description = "the pin's name")
  String name;

  @Option(names = {"--replication", "-r"}, paramLabel = "N",
      description = "nodes to pin on, both minimum and maximum (-1: every node)")
  Integer replication;

  @Option(names = "--rmin", paramLabel = "N", description = "the least nodes that must pin it (-1: every node)")
  Integer min;

  @Option(names = "--rmax", paramLabel = "N", description = "the most nodes to pin it on (-1: every node)")
  Integer max;

  /** The query string, {@code ?name=...&replication=...}, or empty. */
  String query() {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("name", name);
    params.put("replication", replication);
    params.put("replication-min", min);
    params.put("replication-max", max);
    return Api.query(params);
  }
}
