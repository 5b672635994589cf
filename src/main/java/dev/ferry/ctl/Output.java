package dev.ferry.ctl;

import dev.ferry.ctl.CtlException.ApiError;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.function.Function;

/**
 * Where a ctl command prints what the API answered, as ipfs-cluster-ctl does: {@code --enc text}
 * in its formatters' layout ({@link Formats}), {@code --enc json} each object indented as Go
 * indents it ({@link GoJson}), one after the other. One per invocation; used by one thread.
 */
final class Output {
  /** {@code --enc}: ipfs-cluster-ctl's text, or JSON. */
  enum Encoding { text, json }

  private final PrintWriter out;
  private final Encoding encoding;

  Output(PrintWriter out, Encoding encoding) {
    this.out = out;
    this.encoding = encoding;
  }

  boolean json() {
    return encoding == Encoding.json;
  }

  /** One object the API answered, in text as {@code text} lays it out. */
  void print(Object value, Function<JsonObject, String> text) throws CtlException {
    if (json()) {
      out.println(GoJson.indent(value));
    } else {
      out.print(text.apply(object(value)));
    }
    out.flush();
  }

  /** Text that is the same in both encodings (Graphviz dot, a plain line). */
  void raw(String text) {
    out.print(text);
    out.flush();
  }

  /** An error the API answered, as ipfs-cluster-ctl prints an {@code api.Error}. */
  void error(ApiError e) {
    JsonObject error = new JsonObject().put("code", e.code()).put("message", e.getMessage());
    if (json()) {
      out.println(GoJson.indent(error));
    } else {
      out.print(Formats.error(error));
    }
    out.flush();
  }

  static JsonObject object(Object value) throws CtlException {
    if (value instanceof JsonObject json) {
      return json;
    }
    throw new ApiError(0, "the node answered " + (value == null ? "nothing" : value) + " where a JSON object "
        + "was expected");
  }
}
