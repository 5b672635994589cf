package dev.ferry.ctl;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ctl pin add|rm|ls}, {@code ctl status} and {@code ctl recover}: the pin API
 * ({@code /pins}, {@code /allocations}). A CID is checked here before it is sent, so a typo is
 * reported as such rather than as a route that does not exist.
 */
final class CtlPinCommands {
  private CtlPinCommands() {}

  @Command(name = "pin", mixinStandardHelpOptions = true, description = "Pin, unpin and list pins.",
      subcommands = {Add.class, Rm.class, Ls.class})
  static final class Pin {}

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Pin CID in the cluster (POST /pins/{cid}); with --wait, until every allocated node has pinned it.")
  static final class Add extends CtlAction {
    @Parameters(paramLabel = "CID", description = "what to pin")
    String cid;

    @Mixin
    CtlPinOptions pin;

    @Option(names = "--wait", description = "wait until every allocated node reports pinned; fail on pin_error")
    boolean await;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
        description = "how long --wait waits (default: ${DEFAULT-VALUE})")
    Duration waitTimeout;

    @Override
    void run(Api api, Output out) throws CtlException {
      String canonical = canonical(cid);
      String pinned = api.post("/pins/" + canonical + pin.query());
      if (await) {
        out.object(PinWait.untilPinned(api, canonical, waitTimeout), Text::status);
      } else {
        out.object(pinned, Text::pin);
      }
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Unpin CID from the cluster (DELETE /pins/{cid}).")
  static final class Rm extends CtlAction {
    @Parameters(paramLabel = "CID", description = "what to unpin")
    String cid;

    @Override
    void run(Api api, Output out) throws CtlException {
      out.object(api.delete("/pins/" + canonical(cid)), Text::unpinned);
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true,
      description = "List the pinset, or CID's pin, with allocations and replication (GET /allocations).")
  static final class Ls extends OneOrAll {
    Ls() {
      super("/allocations", Text::pin);
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Each allocated node's status of CID, or of every pin (GET /pins).")
  static final class Status extends OneOrAll {
    Status() {
      super("/pins", Text::status);
    }
  }

  /** A read of one pin ({@code PATH/CID}) or of every pin ({@code PATH}, one line each). */
  abstract static class OneOrAll extends CtlAction {
    @Parameters(paramLabel = "CID", arity = "0..1", description = "one pin; default: all")
    String cid;

    private final String path;
    private final Function<JsonObject, String> text;

    OneOrAll(String path, Function<JsonObject, String> text) {
      this.path = path;
      this.text = text;
    }

    @Override
    void run(Api api, Output out) throws CtlException {
      if (cid == null) {
        out.lines(api.get(path), text);
      } else {
        out.object(api.get(path + "/" + canonical(cid)), text);
      }
    }
  }

  @Command(name = "recover", mixinStandardHelpOptions = true,
      description = "Have CID's allocated nodes pin it again where it failed (POST /pins/{cid}/recover).")
  static final class Recover extends CtlAction {
    @Parameters(paramLabel = "CID", description = "the pin to recover")
    String cid;

    @Override
    void run(Api api, Output out) throws CtlException {
      out.object(api.post("/pins/" + canonical(cid) + "/recover"), Text::status);
    }
  }

  /** The CID's canonical text; a malformed one fails with what is wrong with it. */
  static String canonical(String cid) throws CtlException {
    try {
      return Cid.parse(cid).toString();
    } catch (FerryException e) {
      throw new CtlException(e.getMessage(), e);
    }
  }
}
