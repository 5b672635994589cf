package dev.ferry.web;

import dev.ferry.core.FerryException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.WriteStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Streams the file parts of a {@code multipart/form-data} request, decoded as they arrive by a
 * {@link MultipartDecoder}, to files in a spool directory ({@link #read}), or into a
 * {@link PartStream} whose importer takes each part while it arrives ({@link #stream}), never
 * holding one in memory (the request pauses while the current part's file is opening or its write
 * queue or its pipe is full), and refuses a body larger than a limit: at once when its
 * {@code Content-Length} says so, else as soon as more arrives. Form fields that are not files are
 * ignored. The result comes once the decoder has seen the closing boundary and every part is
 * written; a body that ends before it, or is malformed, is a {@code bad-request} naming what was
 * wrong. The caller deletes spooled files ({@link #delete}); a failed read deletes what it wrote
 * itself, and fails the part stream, so its importer stops.
 *
 * <p>One instance per request, on that request's event loop (the decoder, the parts' writes and
 * the pausing all run there); it must be started by the first handler that sees the request,
 * before any of the body has been read.
 */
public final class FileParts implements MultipartDecoder.Listener {
  /**
   * One uploaded file: the name the client gave it, where it is spooled (null when it was
   * streamed), its size in bytes, and its content type ({@value #DIRECTORY} for a directory, as
   * IPFS Cluster's clients send one).
   */
  public record FilePart(String fileName, Path file, long size, String contentType) {
    /** Whether the part stands for a directory rather than a file (its spooled file is empty). */
    public boolean directory() {
      return FileParts.directory(contentType);
    }

    /** Its path in the add ({@link FileParts#path}). */
    String path() {
      return FileParts.path(fileName);
    }
  }

  /** The name a file part without one is added under (the importer needs one). */
  private static final String UNNAMED = "file";

  /** The content type of a part that is a directory in a multipart upload (Kubo's, IPFS Cluster's). */
  static final String DIRECTORY = "application/x-directory";

  /** Whether a part of {@code contentType} stands for a directory (IPFS Cluster's clients send {@value #DIRECTORY}). */
  static boolean directory(String contentType) {
    return DIRECTORY.equalsIgnoreCase(contentType);
  }
  /**
   * A spooled part's bytes go to its file in writes of this size, not per HTTP chunk (8 KiB): each
   * write is a task on a worker and a completion back on the event loop, and 8 KiB writes spooled
   * 400–800 MB/s where 256 KiB writes spool 1.1–2.2 GB/s (docs/BENCHMARKS.md, the add of issue 16).
   */
  static final int WRITE_BYTES = 256 * 1024;
  /** Writes a part may have queued on its file before it waits for the disk: one written, one queued. */
  private static final int WRITE_QUEUE_BYTES = 2 * WRITE_BYTES;

  /** A file part being written: where, how much of it came, and when it is all written. */
  private final class Spooling {
    final MultipartDecoder.Part part;
    /** Its spool file; null when streamed. */
    final Path file;
    final Promise<Void> written = Promise.promise();
    long size;
    boolean ended;
    /** Its spool file or its pipe, once open. */
    WriteStream<Buffer> out;
    /** Bytes not yet handed to a spool file, written {@value #WRITE_BYTES} at a time; null when none. */
    Buffer batch;

    Spooling(MultipartDecoder.Part part, Path file) {
      this.part = part;
      this.file = file;
    }

    void write(Buffer bytes) {
      size += bytes.length();
      if (file == null) {
        out.write(bytes);   // the pipe queues the slice itself: no copy, no batch
        return;
      }
      if (out != null && batch != null && batch.length() + bytes.length() > WRITE_BYTES) {
        flush();   // before the batch would pass its size: appending first made it grow and copy itself
      }
      if (batch == null) {
        batch = Buffer.buffer(WRITE_BYTES);
      }
      batch.appendBuffer(bytes);
    }

    void flush() {
      if (batch != null) {
        out.write(batch);
        batch = null;
      }
    }

    /** Its last byte came: once open, what is left goes to the file and the file ends. */
    void end() {
      ended = true;
      if (out != null) {
        finish();
      }
    }

    void finish() {
      flush();
      out.end().onComplete(written::handle);
    }

    /** Whether more of the body must wait: the file is still opening, or the disk or the importer is behind. */
    boolean full() {
      return out == null || out.writeQueueFull();
    }
  }

  private final Vertx vertx;
  private final HttpServerRequest request;
  private final long limit;
  private final String setting;
  /** Where parts are spooled; null when they are streamed. */
  private final Path spool;
  /** Where parts are streamed; null when they are spooled. */
  private final PartStream stream;
  private final Promise<List<FilePart>> result = Promise.promise();
  private final List<Spooling> parts = new ArrayList<>();
  private MultipartDecoder decoder;
  /** The file part the body is in; null between parts and in a form field. */
  private Spooling current;
  private long received;
  private boolean paused;

  private FileParts(Vertx vertx, HttpServerRequest request, long limit, String setting, Path spool,
      PartStream stream) {
    this.vertx = vertx;
    this.request = request;
    this.limit = limit;
    this.setting = setting;
    this.spool = spool;
    this.stream = stream;
  }

  /**
   * The request's file parts in the order they came, each spooled to a file under {@code spool};
   * fails with {@code bad-request} when the body is not well-formed multipart or holds no file,
   * {@code too-large} past {@code limit} bytes (named by {@code setting} in the message).
   */
  public static Future<List<FilePart>> read(Vertx vertx, HttpServerRequest request, long limit, String setting,
      Path spool) {
    return new FileParts(vertx, request, limit, setting, spool, null).start();
  }

  /**
   * Streams the request's file parts into {@code stream} as they arrive, and ends it once every
   * part has come whole; fails as {@link #read} does, and then fails {@code stream} too. The
   * reader's {@link #parts} are the parts in the order they came, with no files.
   */
  static FileParts stream(Vertx vertx, HttpServerRequest request, long limit, String setting, PartStream stream) {
    FileParts reader = new FileParts(vertx, request, limit, setting, null, stream);
    reader.start().onFailure(e -> stream.fail(FerryException.from(e)));
    return reader;
  }

  /** The parts, once all have come whole; the failure of the read or of its {@link #cancel}. */
  Future<List<FilePart>> parts() {
    return result.future();
  }

  /** Stops reading (what still comes is dropped) and fails with {@code cause}, unless already done. */
  void cancel(Throwable cause) {
    fail(FerryException.from(cause));
  }

  /**
   * A part's path in the add: its file name unescaped as IPFS Cluster reads it (Go's
   * {@code url.QueryUnescape}, as its Go client escapes paths; kept as sent when it is no valid
   * escape), without a leading {@code /}; {@value #UNNAMED} when it has none.
   */
  static String path(String fileName) {
    String raw = fileName == null ? "" : fileName;
    String name;
    try {
      name = URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      name = raw;
    }
    while (name.startsWith("/")) {
      name = name.substring(1);
    }
    return name.isBlank() ? UNNAMED : name;
  }

  /** Deletes the spooled files of {@code parts}; a file already gone is no failure. */
  public static Future<Void> delete(Vertx vertx, List<Path> files) {
    List<Future<Void>> deleted = new ArrayList<>();
    for (Path file : files) {
      if (file != null) {
        deleted.add(vertx.fileSystem().delete(file.toString()).recover(e -> Future.succeededFuture()));
      }
    }
    return Future.join(deleted).mapEmpty();
  }

  private Future<List<FilePart>> start() {
    try {
      decoder = MultipartDecoder.of(request.getHeader(HttpHeaders.CONTENT_TYPE), this);
    } catch (FerryException e) {
      return Future.failedFuture(e);
    }
    long declared = ContentLength.of(request);
    if (declared > limit) {
      return Future.failedFuture(tooLarge("its Content-Length is " + declared));
    }
    request.handler(this::received);
    request.exceptionHandler(e -> fail(FerryException.from(e)));
    request.endHandler(x -> ended());
    // with api.users the request comes paused (ApiAuth checks the caller first): the reader resumes it
    request.resume();
    return result.future();
  }

  /** A chunk of the body: decoded, its parts' bytes handed on; the request pauses while the current part is full. */
  private void received(Buffer chunk) {
    if (failed()) {
      return;   // what a failed request still sends is dropped
    }
    received += chunk.length();
    if (received > limit) {
      fail(tooLarge("more than that arrived"));
      return;
    }
    try {
      decoder.feed(chunk);
    } catch (FerryException e) {
      fail(e);
      return;
    }
    if (current != null && current.full() && !failed()) {
      pause(current);
    }
  }

  /** Pauses the body until {@code part}'s file is open or its writes have drained. */
  private void pause(Spooling part) {
    paused = true;
    request.pause();
    if (part.out != null) {
      part.out.drainHandler(x -> resume());
    }   // else its file's opening resumes
  }

  private void resume() {
    if (paused && !failed()) {
      paused = false;
      request.resume();
    }
  }

  private void ended() {
    if (failed()) {
      return;
    }
    try {
      decoder.end();
    } catch (FerryException e) {
      fail(e);
      return;
    }
    if (parts.isEmpty()) {
      fail(FerryException.badRequest("no file part in the multipart body: send each file as a part with a file "
          + "name (curl -F file=@FILE)"));
      return;
    }
    Future.all(parts.stream().map(p -> p.written.future()).toList()).onComplete(written -> {
      if (written.failed()) {
        fail(FerryException.from(written.cause()));
      } else if (!result.tryComplete(parts.stream()
          .map(p -> new FilePart(p.part.fileName(), p.file, p.size, p.part.contentType())).toList())) {
        discard();   // failed meanwhile
      } else if (stream != null) {
        stream.end();
      }
    });
  }

  @Override
  public void part(MultipartDecoder.Part part) {
    if (!part.file() || failed()) {
      return;   // a form field: its bytes are dropped
    }
    Spooling spooling = new Spooling(part, spool == null ? null : spool.resolve("upload-" + UUID.randomUUID()));
    parts.add(spooling);
    current = spooling;
    if (stream != null) {
      spooling.out = stream.begin(path(part.fileName()), directory(part.contentType()));
      return;
    }
    Handler<Throwable> writeFailed = e -> {
      spooling.written.tryFail(e);
      fail(FerryException.from(e));
    };
    vertx.fileSystem().open(spooling.file.toString(), new OpenOptions().setCreateNew(true).setWrite(true))
        .onFailure(writeFailed)
        .onSuccess(file -> {
          file.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
          file.exceptionHandler(writeFailed);
          spooling.out = file;
          if (failed()) {
            file.end().onComplete(x -> delete(vertx, List.of(spooling.file)));
            return;
          }
          if (spooling.ended) {
            spooling.finish();
          } else if (spooling.batch != null && spooling.batch.length() >= WRITE_BYTES) {
            spooling.flush();
          }
          if (current == spooling) {  // only the part the body waits for resumes it
            if (spooling.full()) {
              pause(spooling);
            } else {
              resume();
            }
          }
        });
  }

  @Override
  public void data(Buffer bytes) {
    if (current != null) {
      current.write(bytes);
    }
  }

  @Override
  public void partEnd() {
    if (current != null) {
      current.end();
      current = null;
    }
  }

  private FerryException tooLarge(String why) {
    return new FerryException(FerryException.TOO_LARGE, "the body may hold at most " + limit + " bytes (" + setting
        + ") but " + why + ": send fewer or smaller files, or raise " + setting);
  }

  private void fail(FerryException e) {
    if (result.tryFail(e)) {
      if (stream != null) {
        stream.fail(e);   // before the pipes end: the importer must not take a cut part for a whole one
      }
      discard();
      if (paused) {
        paused = false;
        request.resume();   // what still comes is read and dropped, never buffered
      }
    }
  }

  /** Stops writing the parts and deletes their files. */
  private void discard() {
    current = null;
    for (Spooling part : parts) {
      part.written.tryFail("discarded");
      if (part.file != null && part.out != null) {
        part.out.end().onComplete(x -> delete(vertx, List.of(part.file)));
      }   // a file still opening is deleted once open
    }
  }

  private boolean failed() {
    return result.future().failed();
  }
}
