package dev.ferry.web;

import dev.ferry.core.FerryException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The header lines of one multipart part read as Go's {@code textproto} and {@code mime} read them
 * (Kubo's): names case-insensitive, the first of a name counts, an obsolete folded line continues
 * the one before; a {@code Content-Disposition} is required, its {@code name} and {@code filename}
 * parameters taken as {@code mime.ParseMediaType} takes them. Stateless.
 */
final class PartHeaders {
  /** A line end: CRLF or LF (compiled once: a part's headers are read once per part of every upload). */
  private static final Pattern LINES = Pattern.compile("\r?\n");

  private PartHeaders() {}

  /** Part {@code index}'s headers from their text (lines ending in CRLF or LF); {@code bad-request} when malformed. */
  static MultipartDecoder.Part parse(int index, String text) {
    Map<String, String> fields = new LinkedHashMap<>();
    String last = null;
    for (String line : LINES.split(text)) {
      if (line.isEmpty()) {
        continue;
      }
      if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && last != null) {
        fields.merge(last, " " + line.strip(), String::concat);   // an obsolete folded line continues the last
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw FerryException.badRequest("part " + index + " of the multipart body has a header line without a name "
            + "and a colon: '" + abbreviate(line) + "'");
      }
      last = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      fields.putIfAbsent(last, line.substring(colon + 1).strip());
    }
    String disposition = fields.get("content-disposition");
    if (disposition == null) {
      throw FerryException.badRequest("part " + index + " of the multipart body has no Content-Disposition header: "
          + "send each file as a part with Content-Disposition: form-data; name=\"file\"; filename=\"NAME\"");
    }
    Map<String, String> parameters = parameters(disposition);
    String contentType = fields.get("content-type");
    return new MultipartDecoder.Part(index, parameters.get("name"), parameters.get("filename"),
        contentType == null || contentType.isEmpty() ? null : contentType, fields.get("abspath"));
  }

  /**
   * The parameters of a header value ({@code type; a=b; c="d"}), names in lower case, a quoted
   * value unquoted as Go's {@code mime.ParseMediaType} does (a backslash escapes only a special
   * character, so a Windows path keeps its backslashes); the first of a name counts.
   */
  static Map<String, String> parameters(String value) {
    Map<String, String> parameters = new LinkedHashMap<>();
    int i = value.indexOf(';');
    while (i >= 0 && i < value.length()) {
      i++;   // past the ';'
      int eq = value.indexOf('=', i);
      int semi = value.indexOf(';', i);
      if (eq < 0 || (semi >= 0 && semi < eq)) {
        i = semi;   // a parameter without a value is skipped
        continue;
      }
      String name = value.substring(i, eq).strip().toLowerCase(Locale.ROOT);
      int at = eq + 1;
      while (at < value.length() && (value.charAt(at) == ' ' || value.charAt(at) == '\t')) {
        at++;
      }
      String parsed;
      if (at < value.length() && value.charAt(at) == '"') {
        StringBuilder unquoted = new StringBuilder();
        at++;
        while (at < value.length() && value.charAt(at) != '"') {
          char c = value.charAt(at);
          if (c == '\\' && at + 1 < value.length() && "()<>@,;:\\\"/[]?=".indexOf(value.charAt(at + 1)) >= 0) {
            at++;
            c = value.charAt(at);
          }
          unquoted.append(c);
          at++;
        }
        parsed = unquoted.toString();
        i = value.indexOf(';', Math.min(at + 1, value.length()));
      } else {
        int end = value.indexOf(';', at);
        parsed = value.substring(at, end < 0 ? value.length() : end).strip();
        i = end;
      }
      parameters.putIfAbsent(name, parsed);
    }
    return parameters;
  }

  private static String abbreviate(String line) {
    return line.length() <= 80 ? line : line.substring(0, 80) + "...";
  }
}
