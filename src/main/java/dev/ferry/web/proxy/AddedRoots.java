package dev.ferry.web.proxy;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the roots of an upload in a daemon's answer to {@code add}, read chunk by chunk as it
 * streams past: newline-delimited JSON with one {@code {"Name", "Hash", ...}} line per file and
 * directory added (directories after their contents) and, with {@code progress}, lines without a
 * {@code Hash}.
 *
 * <p>The roots are what the client uploaded at the top: with {@code wrap-with-directory}, the
 * wrapping directory alone (the last line, named ""); otherwise every line whose {@code Name}
 * has no '/', in order (a file, or a directory whose entries are named {@code dir/...}). If no line
 * qualifies, the last line with a {@code Hash}. Only the candidates are kept, never the answer.
 *
 * <p>Not thread-safe: fed on one context.
 */
final class AddedRoots {
  /** One root: its CID and the name the upload gave it ("" for a wrapping directory). */
  record Root(Cid cid, String name) {}

  /** A line is one file's JSON: a name plus a few fields. Longer lines are no answer line and are skipped. */
  static final int MAX_LINE_BYTES = 64 * 1024;
  private static final byte NEWLINE = '\n';

  private final boolean wrapped;
  private final Map<Cid, Root> topLevel = new LinkedHashMap<>();
  private Buffer line = Buffer.buffer();
  private boolean skipping;
  private Root last;

  /** @param wrapped whether the client asked for {@code wrap-with-directory} */
  AddedRoots(boolean wrapped) {
    this.wrapped = wrapped;
  }

  /** The next bytes of the answer. */
  void accept(Buffer chunk) {
    int start = 0;
    for (int i = 0; i < chunk.length(); i++) {
      if (chunk.getByte(i) == NEWLINE) {
        append(chunk, start, i);
        if (!skipping) {
          read(line.toString());
        }
        line = Buffer.buffer();
        skipping = false;
        start = i + 1;
      }
    }
    append(chunk, start, chunk.length());
  }

  /** The roots, once the whole answer has been seen. */
  List<Root> roots() {
    if (!skipping && line.length() > 0) {
      read(line.toString());  // a last line without its newline
      line = Buffer.buffer();
    }
    if (last == null) {
      return List.of();
    }
    if (wrapped || topLevel.isEmpty()) {
      return List.of(last);
    }
    return new ArrayList<>(topLevel.values());
  }

  private void append(Buffer chunk, int from, int to) {
    if (skipping || from == to) {
      return;
    }
    if (line.length() + (to - from) > MAX_LINE_BYTES) {
      skipping = true;
      line = Buffer.buffer();
      return;
    }
    line.appendBuffer(chunk, from, to - from);
  }

  private void read(String text) {
    if (text.isBlank()) {
      return;
    }
    JsonObject entry;
    Cid cid;
    try {
      entry = new JsonObject(text);
      if (!(entry.getValue("Hash") instanceof String hash)) {
        return;  // a progress line
      }
      cid = Cid.parse(hash);
    } catch (DecodeException | FerryException e) {
      return;  // not a line about an added file: nothing to pin
    }
    String name = entry.getValue("Name") instanceof String given ? given : "";
    // a file uploaded without a name is named by its CID: no name worth keeping
    last = new Root(cid, name.equals(entry.getString("Hash")) ? "" : name);
    if (name.indexOf('/') < 0) {
      topLevel.putIfAbsent(cid, last);
    }
  }
}
