package dev.ferry.ctl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.Map;

/**
 * JSON as ipfs-cluster-ctl's {@code --enc json} prints it (Go's {@code json.MarshalIndent} with
 * four spaces): {@code "key": value}, one member per line, {@code {}} and {@code []} when empty,
 * and {@code <}, {@code >}, {@code &} escaped as Go escapes them. Members keep the API's order.
 * Stateless.
 */
final class GoJson {
  private static final String INDENT = "    ";

  private GoJson() {}

  static String indent(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, "");
    return out.toString();
  }

  private static void write(StringBuilder out, Object value, String at) {
    if (value instanceof JsonObject object) {
      value = object.getMap();
    } else if (value instanceof JsonArray array) {
      value = array.getList();
    }
    if (value instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.append(at).append(INDENT);
        string(out, String.valueOf(e.getKey()));
        out.append(": ");
        write(out, e.getValue(), at + INDENT);
        out.append(++i < map.size() ? ",\n" : "\n");
      }
      out.append(at).append('}');
    } else if (value instanceof Iterable<?> list) {
      if (!list.iterator().hasNext()) {
        out.append("[]");
        return;
      }
      out.append("[\n");
      var it = list.iterator();
      while (it.hasNext()) {
        out.append(at).append(INDENT);
        write(out, it.next(), at + INDENT);
        out.append(it.hasNext() ? ",\n" : "\n");
      }
      out.append(at).append(']');
    } else if (value instanceof String s) {
      string(out, s);
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      out.append(d == Math.rint(d) && Math.abs(d) < 1e21 ? String.valueOf((long) d)
          : new BigDecimal(String.valueOf(d)).stripTrailingZeros().toPlainString());
    } else {
      out.append(value);   // numbers, booleans, null
    }
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
