package dev.ferry.web;

import dev.ferry.core.FerryException;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * A {@code multipart/form-data} body (RFC 7578 on RFC 2046) decoded as it streams: fed the body's
 * chunks in order ({@link #feed}), it tells its {@link Listener} each part's headers, then the
 * part's bytes as slices of the chunks they came in (never accumulated, and copied only from a
 * chunk off the heap), then the part's end; {@link #end} says whether the body ended where it
 * may. The delimiter is searched for whole, looking at one byte in every delimiter's length of
 * data ({@link #candidate}), and only the few bytes at a chunk's end that may begin a delimiter
 * are held back (at most the delimiter's length and two bytes), so a body costs one pass over its
 * bytes whatever its size and however it is cut into chunks.
 *
 * <p>RFC 2046 as Go's {@code mime/multipart} (Kubo's) reads it: a preamble before the first
 * boundary and an epilogue after the closing one are ignored; a delimiter is CRLF, {@code --} and
 * the boundary (the body's first needs no CRLF before it), followed by {@code --} (the close),
 * or by optional spaces or tabs and a line end; {@code --boundary} followed by anything else is
 * data. The CRLF before a delimiter belongs to the delimiter, not to the part. A quoted boundary
 * parameter is unquoted; a boundary longer than RFC 2046's 70 characters is refused. A part's
 * header lines ({@link PartHeaders}) need a {@code Content-Disposition}; a part without a
 * {@code filename} parameter is a form field, which the listener gets too. Every malformed or truncated body is a {@code bad-request} that
 * names what was wrong and where.
 *
 * <p>Not thread-safe: one instance per body, fed by the one thread (the request's event loop)
 * that receives it; the listener is called on that thread, inside {@link #feed}.
 */
public final class MultipartDecoder {
  /** RFC 2046's longest boundary. */
  static final int MAX_BOUNDARY = 70;
  /**
   * The most bytes one part's header lines may take: room for a path as deep as a file system
   * allows (4096) escaped three-fold and a few headers, while a body that never ends its headers
   * is refused rather than held.
   */
  static final int MAX_HEADER_BYTES = 16 * 1024;
  private static final byte CR = '\r';
  private static final byte LF = '\n';
  private static final byte DASH = '-';
  private static final String MULTIPART = "multipart/form-data";
  /** Whether a delimiter starts at a place: it does, the bytes so far agree but more must come, it does not. */
  private static final int MATCH = 1;
  private static final int NEED_MORE = 0;
  private static final int NO_MATCH = -1;

  /**
   * One part's headers: its form field name, its file name as sent (null for a form field that is
   * no file), its {@code Content-Type} (null when it has none) and its {@code Abspath} (what Kubo's
   * clients send for {@code nocopy}; null when absent); {@code index} counts parts from 1.
   */
  public record Part(int index, String name, String fileName, String contentType, String absPath) {
    /** Whether the part is a file (it has a {@code filename}); else it is a form field. */
    public boolean file() {
      return fileName != null;
    }

    /** How messages name it: its number and its file or field name. */
    String describe() {
      return "part " + index + (fileName != null ? " (file \"" + fileName + "\")"
          : name != null ? " (field \"" + name + "\")" : "");
    }
  }

  /** What the decoder finds, in order, on the thread that feeds it. */
  public interface Listener {
    /** A part begins: its headers. */
    void part(Part part);

    /** Bytes of the current part, a slice of a fed chunk (valid as long as that chunk is). */
    void data(Buffer bytes);

    /** The current part has ended (its delimiter has come). */
    void partEnd();
  }

  private enum State {
    PREAMBLE, AFTER_DELIMITER, CLOSE_DASH, PADDING, LINE_FEED, HEADERS, BODY, EPILOGUE
  }

  private final String boundary;
  /** CRLF, {@code --}, the boundary. */
  private final byte[] delimiter;
  private static final int[] NOWHERE = new int[0];
  /** For each byte value, its places in the delimiter, the last first (none for most bytes). */
  private final int[][] places = new int[256][];
  private final Listener listener;
  private State state = State.PREAMBLE;
  /** Bytes at the end of what was fed that may begin a delimiter, not yet handed on. */
  private final byte[] held;
  private int heldLength;
  /** The current part's header lines so far: {@code headersLength} bytes, the current line from {@code lineStart}. */
  private byte[] headerBytes = new byte[256];
  private int headersLength;
  private int lineStart;
  private int parts;
  private Part current;
  private long fed;

  private MultipartDecoder(String boundary, Listener listener) {
    this.boundary = boundary;
    this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    this.listener = listener;
    int[] count = new int[256];
    for (byte b : delimiter) {
      count[b & 0xff]++;
    }
    for (int value = 0; value < 256; value++) {
      places[value] = count[value] == 0 ? NOWHERE : new int[count[value]];
      count[value] = 0;   // now how many of its places are filled
    }
    for (int i = delimiter.length - 1; i >= 0; i--) {
      int value = delimiter[i] & 0xff;
      places[value][count[value]++] = i;
    }
    this.held = new byte[delimiter.length + 2];
    // the body's first delimiter needs no CRLF before it: the preamble starts as if after one
    held[0] = CR;
    held[1] = LF;
    heldLength = 2;
  }

  /**
   * A decoder for a body of {@code contentType}; {@code bad-request} when that is no
   * {@code multipart/form-data} with a usable boundary.
   */
  public static MultipartDecoder of(String contentType, Listener listener) {
    return new MultipartDecoder(boundary(contentType), listener);
  }

  /** The boundary of a {@code multipart/form-data} content type, unquoted. */
  static String boundary(String contentType) {
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith(MULTIPART)) {
      throw FerryException.badRequest("expected a multipart/form-data body with one or more file parts "
          + "(curl -F file=@FILE), got " + (contentType == null ? "no Content-Type" : "Content-Type " + contentType));
    }
    String boundary = PartHeaders.parameters(contentType).get("boundary");
    if (boundary == null || boundary.isEmpty()) {
      throw FerryException.badRequest("the Content-Type " + contentType + " has no boundary parameter: send "
          + "multipart/form-data; boundary=B, with B the line between the parts");
    }
    if (boundary.length() > MAX_BOUNDARY) {
      throw FerryException.badRequest("the multipart boundary is " + boundary.length() + " characters long; RFC 2046 "
          + "allows at most " + MAX_BOUNDARY);
    }
    if (boundary.indexOf('\r') >= 0 || boundary.indexOf('\n') >= 0) {
      throw FerryException.badRequest("the multipart boundary holds a line break");
    }
    return boundary;
  }

  /** Feeds the body's next bytes; {@code bad-request} when they are not well-formed multipart. */
  public void feed(Buffer chunk) {
    int n = chunk.length();
    int at = 0;
    ByteBuf bytes = ((BufferInternal) chunk).getByteBuf();
    if (!bytes.hasArray()) {  // Vert.x hands a request's chunks on the heap; a direct one is copied there once
      chunk = Buffer.buffer(chunk.getBytes());
      bytes = ((BufferInternal) chunk).getByteBuf();
    }
    while (at < n) {
      switch (state) {
        case PREAMBLE, BODY -> at = scan(chunk, bytes, at);
        case HEADERS -> at = headerLine(chunk, bytes, at);
        case EPILOGUE -> at = n;   // what follows the close is ignored, as RFC 2046 says
        default -> {
          afterDelimiter(bytes.getByte(at), fed + at);
          at++;
        }
      }
    }
    fed += n;
  }

  /** The body has ended: {@code bad-request} unless it ended after its closing delimiter. */
  public void end() {
    switch (state) {
      case EPILOGUE -> { }
      case PREAMBLE -> throw FerryException.badRequest("the multipart body holds no boundary line --" + boundary
          + " (the boundary its Content-Type names): send each part after a boundary line");
      case HEADERS -> throw FerryException.badRequest("the multipart body ends inside the headers of part " + (parts + 1)
          + ": send the whole body, ending with --" + boundary + "--");
      case BODY -> throw FerryException.badRequest("the multipart body ends inside " + current.describe()
          + " with no closing boundary: send the whole body, ending with --" + boundary + "--");
      default -> throw FerryException.badRequest("the multipart body ends on a boundary line with no closing --"
          + boundary + "--: send the whole body");
    }
  }

  /**
   * Looks for the next delimiter in the preamble or a part's body from {@code from}: hands the bytes
   * before it on (drops them in the preamble) and returns where the delimiter ends, or hands on what
   * cannot begin one, holds back what may, and returns the chunk's end.
   */
  private int scan(Buffer chunk, ByteBuf bytes, int from) {
    int n = chunk.length();
    if (heldLength > 0) {
      int matched = match(heldLength, bytes, from, n);
      if (matched == NEED_MORE) {
        bytes.getBytes(from, held, heldLength, n - from);
        heldLength += n - from;
        return n;
      }
      if (matched == MATCH) {
        int used = delimiter.length - heldLength;   // may be negative: held back beyond the delimiter
        int extra = heldLength - delimiter.length;
        byte[] beyond = new byte[Math.max(0, extra)];
        System.arraycopy(held, delimiter.length, beyond, 0, beyond.length);
        heldLength = 0;
        delimiterFound();
        for (byte b : beyond) {
          afterDelimiter(b, fed + from);
        }
        return from + Math.max(0, used);
      }
      // held back for nothing: they were data (only their first byte can be a CR, so no delimiter starts in them)
      if (state == State.BODY) {
        listener.data(Buffer.buffer().appendBytes(held, 0, heldLength));
      }
      heldLength = 0;
    }
    int start = from;
    int search = from;
    while (true) {
      int cr = candidate(bytes, search, n);
      if (cr < 0) {
        emit(chunk, start, n);
        return n;
      }
      int matched = match(0, bytes, cr, n);
      if (matched == MATCH) {
        emit(chunk, start, cr);
        delimiterFound();
        return cr + delimiter.length;
      }
      if (matched == NEED_MORE) {
        emit(chunk, start, cr);
        bytes.getBytes(cr, held, 0, n - cr);
        heldLength = n - cr;
        return n;
      }
      search = cr + 1;
    }
  }

  /**
   * The first place from {@code from} (before {@code end}) where a delimiter may start: where the
   * whole delimiter is, else the first CR among the last bytes, too few for a whole delimiter, that
   * may begin one; -1 when there is none. What follows the delimiter is for {@link #match} to say.
   * The search looks at one byte in every delimiter's length: any whole delimiter holds exactly one
   * of them, and where that byte is one of the delimiter's, the delimiter is compared at each place
   * it would put that byte. Each look is independent of the last, so the processor runs them
   * ahead (Horspool's search, whose every step waits for the last byte read to know the next, and
   * a search for each CR, both cost a quarter of the event loop's time in an add; docs/BENCHMARKS.md).
   * The looks go in order and each compares its places from the first start on, so the first
   * delimiter found is the first there is.
   */
  private int candidate(ByteBuf bytes, int from, int end) {
    byte[] array = bytes.array();  // a heap chunk (feed)
    int base = bytes.arrayOffset();  // where the chunk's byte 0 is in the array
    int length = delimiter.length;
    for (int at = from + length - 1; at < end; at += length) {
      for (int place : places[array[base + at] & 0xff]) {
        int start = at - place;
        if (start >= from && start + length <= end
            && Arrays.equals(array, base + start, base + start + length, delimiter, 0, length)) {
          return start;
        }
      }
    }
    for (int at = Math.max(from, end - length + 1); at < end; at++) {
      if (array[base + at] == CR && match(0, bytes, at, end) == NEED_MORE) {
        return at;
      }
    }
    return -1;
  }

  /**
   * Whether a delimiter starts at the first of the {@code heldCount} first held bytes followed by
   * {@code bytes} from {@code from} (read up to {@code end}); with none held, at {@code from}.
   */
  private int match(int heldCount, ByteBuf bytes, int from, int end) {
    int available = heldCount + end - from;
    for (int i = 0; i < delimiter.length; i++) {
      if (i >= available) {
        return NEED_MORE;
      }
      if (at(heldCount, bytes, from, i) != delimiter[i]) {
        return NO_MATCH;
      }
    }
    return terminated(available > delimiter.length ? at(heldCount, bytes, from, delimiter.length) : null,
        available > delimiter.length + 1 ? at(heldCount, bytes, from, delimiter.length + 1) : null);
  }

  /** The {@code i}th byte of the {@code heldCount} first held bytes followed by {@code bytes} from {@code from}. */
  private byte at(int heldCount, ByteBuf bytes, int from, int i) {
    return i < heldCount ? held[i] : bytes.getByte(from + i - heldCount);
  }

  /**
   * Whether the bytes after {@code --boundary} make it a delimiter (as Go reads it): {@code --},
   * a space, a tab, CR or LF do; anything else makes it data. Null: not come yet.
   */
  private static int terminated(Byte next, Byte second) {
    if (next == null) {
      return NEED_MORE;
    }
    byte c = next;
    if (c == ' ' || c == '\t' || c == CR || c == LF) {
      return MATCH;
    }
    if (c == DASH) {
      return second == null ? NEED_MORE : second == DASH ? MATCH : NO_MATCH;
    }
    return NO_MATCH;
  }

  private void emit(Buffer chunk, int from, int to) {
    if (state == State.BODY && to > from) {
      listener.data(chunk.slice(from, to));
    }
  }

  private void delimiterFound() {
    if (state == State.BODY) {
      listener.partEnd();
      current = null;
    }
    state = State.AFTER_DELIMITER;
  }

  /** One byte of what follows a delimiter: {@code --}, or optional spaces and tabs and a line end. */
  private void afterDelimiter(byte b, long offset) {
    switch (state) {
      case AFTER_DELIMITER -> {
        if (b == DASH) {
          state = State.CLOSE_DASH;
          return;
        }
        whitespaceOrLineEnd(b, offset);
      }
      case CLOSE_DASH -> {
        if (b != DASH) {
          throw malformed(offset, "a boundary line --" + boundary + "- not followed by a second -");
        }
        state = State.EPILOGUE;
      }
      case PADDING -> whitespaceOrLineEnd(b, offset);
      case LINE_FEED -> {
        if (b != LF) {
          throw malformed(offset, "a boundary line that ends in CR without LF");
        }
        startHeaders();
      }
      default -> throw new IllegalStateException(state.name());
    }
  }

  private void whitespaceOrLineEnd(byte b, long offset) {
    if (b == ' ' || b == '\t') {
      state = State.PADDING;
    } else if (b == CR) {
      state = State.LINE_FEED;
    } else if (b == LF) {
      startHeaders();
    } else {
      throw malformed(offset, "a boundary line --" + boundary + " followed by '" + printable(b)
          + "' (expected a line end, or -- after the last part)");
    }
  }

  private void startHeaders() {
    state = State.HEADERS;
    headersLength = 0;
    lineStart = 0;
  }

  /** Takes header bytes up to and including the next line end; at the empty line the part begins. */
  private int headerLine(Buffer chunk, ByteBuf bytes, int from) {
    int n = chunk.length();
    int lf = bytes.indexOf(from, n, LF);
    int to = lf < 0 ? n : lf + 1;
    if (headersLength + (to - from) > MAX_HEADER_BYTES) {
      throw FerryException.badRequest("the headers of part " + (parts + 1) + " of the multipart body are longer than "
          + MAX_HEADER_BYTES + " bytes: send shorter file names");
    }
    if (headersLength + (to - from) > headerBytes.length) {
      headerBytes = Arrays.copyOf(headerBytes, Math.min(MAX_HEADER_BYTES, 2 * (headersLength + (to - from))));
    }
    bytes.getBytes(from, headerBytes, headersLength, to - from);
    headersLength += to - from;
    if (lf >= 0) {
      int lineEnd = headersLength - 1;   // at the LF
      int contentEnd = lineEnd > lineStart && headerBytes[lineEnd - 1] == CR ? lineEnd - 1 : lineEnd;
      if (contentEnd == lineStart) {
        beginPart(headersLength);
      } else {
        lineStart = headersLength;
      }
    }
    return to;
  }

  /** The header lines (their {@code length} bytes end with the empty line) are all here: the part begins. */
  private void beginPart(int length) {
    parts++;
    current = PartHeaders.parse(parts, new String(headerBytes, 0, length, StandardCharsets.UTF_8));
    state = State.BODY;
    listener.part(current);
  }

  private FerryException malformed(long offset, String what) {
    return FerryException.badRequest("the multipart body is malformed at byte " + offset + ": " + what);
  }

  private static String printable(byte b) {
    return b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format(Locale.ROOT, "\\x%02x", b & 0xff);
  }
}
