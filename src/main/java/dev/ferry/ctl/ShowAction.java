package dev.ferry.ctl;

import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * A command that is one {@code GET} of the API, its answer printed with one of {@link Formats}'
 * formatters (or as JSON with {@code --enc json}): {@code ctl id}, {@code ctl version},
 * {@code ctl health bandwidth}. One instance per invocation, as every {@link CtlAction}.
 */
abstract class ShowAction extends CtlAction {
  private final String path;
  private final Function<JsonObject, String> text;

  ShowAction(String path, Function<JsonObject, String> text) {
    this.path = path;
    this.text = text;
  }

  @Override
  final void run(Api api, Output out) throws CtlException {
    out.print(api.call("GET", path), text);
  }
}
