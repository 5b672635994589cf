package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.pin.PinClient;
import dev.ferry.pin.PinOptions;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code add} through the proxy: the upload streams to the daemon, the daemon's answer streams
 * back, and, unless the client said {@code pin=false} (or {@code only-hash}, which stores nothing),
 * the roots of the upload ({@link AddedRoots}) are pinned in the cluster before the answer ends.
 * The daemon itself is told {@code pin=false} then, so it keeps no pin of its own outside the
 * pinset: the cluster's allocated nodes pin the content, this node's daemon included only if it is
 * allocated. A cluster pin that fails after the daemon's 200 is reported in Kubo's
 * {@value KuboAnswers#STREAM_ERROR} trailer.
 *
 * <p>Stateless; each call runs on the proxy instance's context.
 */
final class AddCommand {
  private static final Logger log = LoggerFactory.getLogger(AddCommand.class);
  private static final int OK = 200;

  private final DaemonPipe daemon;
  private final PinClient pins;

  AddCommand(DaemonPipe daemon, PinClient pins) {
    this.daemon = daemon;
    this.pins = pins;
  }

  void handle(HttpServerRequest request, KuboOptions options) {
    boolean clusterPins = options.flag("pin", true) && !options.flag("only-hash", false);
    PinOptions cluster = options.clusterPin();
    if (!clusterPins) {
      daemon.forward(request, query(request.uri(), KuboOptions.CLUSTER_OPTIONS, null), DaemonPipe.Answer.AS_IS);
      return;
    }
    Set<String> replaced = new HashSet<>(KuboOptions.CLUSTER_OPTIONS);
    replaced.add("pin");
    AddedRoots roots = new AddedRoots(options.flag("wrap-with-directory", false));
    daemon.forward(request, query(request.uri(), replaced, "pin=false"), new DaemonPipe.Answer() {
      @Override
      public void chunk(Buffer chunk) {
        roots.accept(chunk);
      }

      @Override
      public Future<String> finish(HttpClientResponse answer) {
        if (answer.statusCode() != OK || answer.trailers().contains(KuboAnswers.STREAM_ERROR)) {
          return Future.succeededFuture();  // the daemon failed and says so itself
        }
        return pinInCluster(pins, roots.roots(), cluster);
      }
    });
  }

  /**
   * Pins the roots one after the other, each named by its name in the upload unless the client
   * named the pin; completes with what went wrong, or null. Also {@link StoreCommands}' {@code add}.
   */
  static Future<String> pinInCluster(PinClient pins, List<AddedRoots.Root> roots, PinOptions cluster) {
    return InOrder.each(roots, root -> pins.pin(root.cid().toString(), cluster.orName(root.name())))
        .<String>map(pinned -> null)
        .otherwise(e -> {
          String message = "added, but not pinned in the cluster: " + FerryException.from(e).getMessage();
          log.warn("IPFS proxy: {}", message);
          return message;
        });
  }

  /**
   * {@code uri} without the query options named in {@code dropped}, plus {@code appended} if not
   * null; every other option is passed on exactly as the client wrote it.
   */
  static String query(String uri, Set<String> dropped, String appended) {
    int mark = uri.indexOf('?');
    String path = mark < 0 ? uri : uri.substring(0, mark);
    StringJoiner kept = new StringJoiner("&");
    if (mark >= 0) {
      for (String option : uri.substring(mark + 1).split("&")) {
        if (!option.isEmpty() && !dropped.contains(name(option))) {
          kept.add(option);
        }
      }
    }
    if (appended != null) {
      kept.add(appended);
    }
    return kept.length() == 0 ? path : path + "?" + kept;
  }

  private static String name(String option) {
    int equals = option.indexOf('=');
    String raw = equals < 0 ? option : option.substring(0, equals);
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return raw;  // KuboOptions has read the query already, so this does not happen
    }
  }
}
