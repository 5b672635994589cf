package dev.ferry.web;

import dev.ferry.core.FerryException;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks a request's URI at the edge, before any route reads it: every percent-escape is {@code %}
 * and two hex digits, what the path and each query parameter decode to is UTF-8 text, and no
 * byte is a raw (unescaped) non-ASCII one. Vert.x itself fails late on a malformed escape
 * (a 500 from whichever route asked first), replaces bytes that are not UTF-8 with U+FFFD (so two
 * different keys would become one), and reads raw bytes as Latin-1; a request with any
 * of these is a {@code bad-request} instead, naming the parameter (or the path) and what is wrong.
 *
 * <p>Stateless and thread-safe. The HTTP API checks every request with it first
 * ({@link WebVerticle}), and the IPFS proxy too, so routes can trust what Vert.x decodes.
 */
public final class UriCheck {
  /** The most of a path or value an error message repeats. */
  private static final int SHOWN = 100;

  private UriCheck() {}

  /** The API router's first handler: a request whose URI {@link #problem has a problem} fails with it, others go on. */
  static void handle(RoutingContext ctx) {
    problem(ctx.request().uri()).ifPresentOrElse(ctx::fail, ctx::next);
  }

  /** What is wrong with {@code uri} (a request target: path and query, as on the request line), if anything. */
  public static Optional<FerryException> problem(String uri) {
    int mark = uri.indexOf('?');
    String path = mark < 0 ? uri : uri.substring(0, mark);
    String why = decodingProblem(path);
    if (why != null) {
      return Optional.of(FerryException.badRequest("path '" + shown(path) + "': " + why));
    }
    if (mark < 0) {
      return Optional.empty();
    }
    for (String pair : uri.substring(mark + 1).split("&")) {
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      why = decodingProblem(name);
      if (why != null) {
        return Optional.of(FerryException.badRequest("query parameter name '" + shown(name) + "': " + why));
      }
      if (equals >= 0) {
        why = decodingProblem(pair.substring(equals + 1));
        if (why != null) {
          return Optional.of(FerryException.badRequest("query parameter '" + shown(name) + "' ('"
              + shown(pair.substring(equals + 1)) + "'): " + why));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * {@code text} as a message quotes it: cut after {@value #SHOWN} characters, and raw bytes that
   * are not printable ASCII escaped, as the client would have had to write them.
   */
  private static String shown(String text) {
    StringBuilder shown = new StringBuilder();
    for (int i = 0; i < Math.min(text.length(), SHOWN); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        shown.append('%').append(String.format(Locale.ROOT, "%02X", c & 0xff));
      } else {
        shown.append(c);
      }
    }
    return text.length() > SHOWN ? shown + "..." : shown.toString();
  }

  /**
   * Why {@code text} does not decode to UTF-8 text, or null if it does. A raw non-ASCII character
   * stands for a byte of the request line, which Vert.x reads as Latin-1 (so the UTF-8 bytes of
   * "é" would become "Ã©"): RFC 3986 wants it escaped, and so does this check.
   */
  private static String decodingProblem(String text) {
    if (plainAscii(text)) {
      return null;   // what nearly every request has: nothing to decode, so no buffers for it
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%') {
        int high = i + 1 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
        int low = i + 2 < text.length() ? Character.digit(text.charAt(i + 2), 16) : -1;
        if (high < 0 || low < 0) {
          return "malformed percent-escape '" + text.substring(i, Math.min(i + 3, text.length()))
              + "' (a % must be followed by two hex digits; write %25 for a literal %)";
        }
        bytes.write(high << 4 | low);
        i += 2;
      } else if (c > 0x7f) {
        return "raw non-ASCII byte 0x" + Integer.toHexString(c).toUpperCase(Locale.ROOT)
            + ": percent-encode its UTF-8 bytes (\u00e9 is %C3%A9)";
      } else {
        bytes.write(c);
      }
    }
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()));
      return null;
    } catch (CharacterCodingException e) {
      return "does not decode to UTF-8 text (the bytes its escapes stand for are not UTF-8)";
    }
  }

  /** Whether {@code text} is ASCII without a percent-escape: it decodes to itself, which is UTF-8 text. */
  private static boolean plainAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%' || c > 0x7f) {
        return false;
      }
    }
    return true;
  }
}
