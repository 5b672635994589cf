package dev.ferry.web.proxy;

import dev.ferry.core.JsonInput;
import dev.ferry.ipfs.Cid;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinOptions;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code block/put} and {@code dag/put} through the proxy with a daemon, as IPFS Cluster's proxy
 * serves them: without {@code pin=true} they go to the daemon unchanged; with it, the daemon is
 * told {@code pin=false}, and each block it answers ({@code {"Key"}} for {@code block/put},
 * {@code {"Cid": {"/"}}} for {@code dag/put}) is pinned in the cluster before the answer ends; a
 * pin that fails is reported in Kubo's {@value KuboAnswers#STREAM_ERROR} trailer.
 *
 * <p>Stateless; each call runs on the proxy instance's context.
 */
final class PutCommand {
  private final DaemonPipe daemon;
  private final PinClient pins;

  PutCommand(DaemonPipe daemon, PinClient pins) {
    this.daemon = daemon;
    this.pins = pins;
  }

  void handle(HttpServerRequest request, KuboOptions options) {
    if (!options.flag("pin", false)) {
      daemon.forward(request, AddCommand.query(request.uri(), KuboOptions.CLUSTER_OPTIONS, null),
          DaemonPipe.Answer.AS_IS);
      return;
    }
    PinOptions cluster = options.clusterPin();
    Set<String> replaced = new HashSet<>(KuboOptions.CLUSTER_OPTIONS);
    replaced.add("pin");
    Buffer answer = Buffer.buffer();
    daemon.forward(request, AddCommand.query(request.uri(), replaced, "pin=false"), new DaemonPipe.Answer() {
      @Override
      public void chunk(Buffer chunk) {
        answer.appendBuffer(chunk);  // one short line per block
      }

      @Override
      public Future<String> finish(HttpClientResponse in) {
        if (in.statusCode() != 200 || in.trailers().contains(KuboAnswers.STREAM_ERROR)) {
          return Future.succeededFuture();  // the daemon failed and says so itself
        }
        List<AddedRoots.Root> roots = new ArrayList<>();
        try {
          answer.toString().lines().filter(line -> !line.isBlank()).map(JsonObject::new).forEach(line -> {
            String cid = line.getValue("Key") instanceof String key ? key : line.getJsonObject("Cid", new JsonObject())
                .getString("/");
            if (cid != null) {
              roots.add(new AddedRoots.Root(Cid.parse(cid), ""));
            }
          });
        } catch (DecodeException e) {
          return Future.succeededFuture("not pinned in the cluster: the daemon's answer is not JSON lines: "
              + JsonInput.why(e));
        }
        return AddCommand.pinInCluster(pins, roots, cluster);
      }
    });
  }
}
