package dev.ferry.pin.monitor;

import dev.ferry.core.BusJson;
import dev.ferry.core.FerryException;
import dev.ferry.core.Requests;
import io.vertx.core.json.JsonObject;

/**
 * The requests a node's monitor takes on {@code ferry.node.<node>.monitor} (node-internal,
 * docs/ADDRESSES.md), each answered in IPFS Cluster's shapes with nodes named by peer ID:
 *
 * <pre>
 * {"op": "names"}                    → {"names": [name...]}           the metric names held, sorted
 * {"op": "metrics", "name"}          → {"metrics": [Metric...]}       the latest valid one per node
 * {"op": "alerts"}                   → {"alerts": [Alert...]}         the alerts not yet cleared
 * </pre>
 *
 * Immutable.
 */
public sealed interface MonitorRequest extends BusJson {
  /** The names of the metrics the monitor holds. */
  record Names() implements MonitorRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "names");
    }
  }

  /** The latest valid, unexpired metric named {@code name} of each node. */
  record Metrics(String name) implements MonitorRequest {
    public Metrics {
      if (name == null || name.isBlank()) {
        throw FerryException.badRequest("a metric name is needed, such as freespace or ping "
            + "(GET /monitor/metrics lists them)");
      }
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "metrics").put("name", name);
    }
  }

  /** The alerts raised and not yet cleared. */
  record Alerts() implements MonitorRequest {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put(Requests.OP, "alerts");
    }
  }

  /** How the monitor reads its requests. */
  Requests<MonitorRequest> REQUESTS = Requests.<MonitorRequest>of("monitor")
      .on("names", f -> new Names())
      .on("metrics", f -> new Metrics(f.string("name")))
      .on("alerts", f -> new Alerts());
}
