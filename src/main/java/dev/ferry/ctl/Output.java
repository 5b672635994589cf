package dev.ferry.ctl;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Where a ctl command prints what the node answered: the API's JSON as it came ({@code --enc
 * json}), or one short line per object for people ({@code --enc text}, see {@link Text}).
 * One per invocation.
 */
final class Output {
  /** {@code --enc}: the API's JSON, or short lines. */
  enum Encoding { text, json }

  private final PrintWriter out;
  private final Encoding encoding;

  Output(PrintWriter out, Encoding encoding) {
    this.out = out;
    this.encoding = encoding;
  }

  /** One JSON object the API answered. */
  void object(String body, Function<JsonObject, String> text) throws CtlException {
    if (encoding == Encoding.json) {
      out.println(body.strip());
    } else {
      out.println(text.apply(parse(body)));
    }
  }

  /** Newline-delimited JSON objects the API answered; nothing when there are none. */
  void lines(String body, Function<JsonObject, String> text) throws CtlException {
    for (String line : body.lines().filter(l -> !l.isBlank()).toList()) {
      if (encoding == Encoding.json) {
        out.println(line.strip());
      } else {
        out.println(text.apply(parse(line)));
      }
    }
  }

  /** The objects of a newline-delimited answer. */
  static List<JsonObject> parseLines(String body) throws CtlException {
    List<JsonObject> objects = new ArrayList<>();
    for (String line : body.lines().filter(l -> !l.isBlank()).toList()) {
      objects.add(parse(line));
    }
    return objects;
  }

  static JsonObject parse(String body) throws CtlException {
    try {
      return new JsonObject(body.strip());
    } catch (DecodeException | ClassCastException e) {
      throw new CtlException("the node answered something other than a JSON object: " + e.getMessage(), e);
    }
  }
}
