package dev.ferry.web;

import dev.ferry.core.FerryException;
import io.netty.handler.codec.DecoderException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.WriteStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Streams the file parts of a {@code multipart/form-data} request to files in a spool directory
 * ({@link #read}), or into a {@link PartStream} whose importer takes each part while it arrives
 * ({@link #stream}), never holding one in memory (a part waits while its file's write queue or its
 * pipe is full), and refuses a body larger than a limit: at once when its {@code Content-Length}
 * says so, else as soon as more arrives. Form fields that are not files are left to Vert.x (and
 * ignored). The caller deletes spooled files ({@link #delete}); a failed read deletes what it
 * wrote itself, and fails the part stream, so its importer stops.
 *
 * <p>One instance per request, on that request's event loop; it must be started by the first
 * handler that sees the request, before any of the body has been read.
 */
final class FileParts {
  /**
   * One uploaded file: the name the client gave it, where it is spooled (null when it was
   * streamed), its size in bytes, and its content type ({@value #DIRECTORY} for a directory, as
   * IPFS Cluster's clients send one).
   */
  record FilePart(String fileName, Path file, long size, String contentType) {
    /** Whether the part stands for a directory rather than a file (its spooled file is empty). */
    boolean directory() {
      return DIRECTORY.equals(contentType);
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
  /**
   * A part's bytes go to its file in writes of this size, not per HTTP chunk (8 KiB): each write
   * is a task on a worker and a completion back on the event loop, and 8 KiB writes spooled
   * 400–800 MB/s where 256 KiB writes spool 1.1–2.2 GB/s (docs/BENCHMARKS.md, the add of issue 16).
   */
  static final int WRITE_BYTES = 256 * 1024;
  /** Writes a part may have queued on its file before it waits for the disk: one written, one queued. */
  private static final int WRITE_QUEUE_BYTES = 2 * WRITE_BYTES;

  /**
   * A part being written: its upload, where, and when it is all on disk; whether its last byte
   * has come, and whether it waits for the disk (then more of it is still to come).
   */
  private static final class Spooling {
    final HttpServerFileUpload upload;
    /** Its spool file; null when streamed. */
    final Path file;
    final Promise<Void> written = Promise.promise();
    boolean ended;
    boolean waitsForDisk;
    /** Chunks delivered so far, to tell a part still draining what it held back from one that is cut short. */
    long chunks;
    /** Its spool file or its pipe, once open. */
    WriteStream<Buffer> out;
    /** Chunks received and not yet handed to the file, written {@value #WRITE_BYTES} bytes at a time; null when none. */
    Buffer batch;

    Spooling(HttpServerFileUpload upload, Path file) {
      this.upload = upload;
      this.file = file;
    }

    Future<Void> written() {
      return written.future();
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
  private boolean requestEnded;

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
   * fails with {@code bad-request} when the body is not multipart or holds no file, {@code too-large}
   * past {@code limit} bytes (named by {@code setting} in the message).
   */
  static Future<List<FilePart>> read(Vertx vertx, HttpServerRequest request, long limit, String setting, Path spool) {
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
    failWith(cause);
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
  static Future<Void> delete(Vertx vertx, List<Path> files) {
    List<Future<Void>> deleted = new ArrayList<>();
    for (Path file : files) {
      deleted.add(vertx.fileSystem().delete(file.toString()).recover(e -> Future.succeededFuture()));
    }
    return Future.join(deleted).mapEmpty();
  }

  private Future<List<FilePart>> start() {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      return Future.failedFuture(FerryException.badRequest("expected a multipart/form-data body with one or more "
          + "file parts (curl -F file=@FILE), got Content-Type " + type));
    }
    long declared = ContentLength.of(request);
    if (declared > limit) {
      return Future.failedFuture(tooLarge("its Content-Length is " + declared));
    }
    // what a failed request still sends is read and dropped by Vert.x, never buffered
    request.setExpectMultipart(true);
    request.handler(chunk -> {
      if (request.bytesRead() > limit) {
        fail(tooLarge("more than that arrived"));
      }
    });
    request.uploadHandler(upload -> {
      if (failed()) {
        return;
      }
      Spooling part = new Spooling(upload, spool == null ? null : spool.resolve("upload-" + UUID.randomUUID()));
      parts.add(part);
      spoolTo(part);
    });
    request.exceptionHandler(this::failWith);
    request.endHandler(x -> {
      if (parts.isEmpty()) {
        fail(FerryException.badRequest("no file part in the multipart body: send each file as a part with a file "
            + "name (curl -F file=@FILE)"));
        return;
      }
      requestEnded = true;
      failIfTruncated();
      Future.all(parts.stream().map(Spooling::written).toList()).onComplete(written -> {
        if (written.failed()) {
          failWith(written.cause());
        } else if (!result.tryComplete(parts.stream()
            .map(p -> new FilePart(p.upload.filename(), p.file, p.upload.size(), p.upload.contentType())).toList())) {
          discard();   // failed meanwhile
        } else if (stream != null) {
          stream.end();
        }
      });
    });
    // with api.users the request comes paused (ApiAuth checks the caller first): the reader resumes it
    request.resume();
    return result.future();
  }

  /**
   * Writes the part to its file or pipe as it comes, pausing it while the disk or the importer is
   * behind, so no more of it is in memory than the file's write queue or the pipe.
   */
  private void spoolTo(Spooling part) {
    part.upload.pause();   // nothing may arrive before the file is open
    part.waitsForDisk = true;
    open(part)
        .onFailure(e -> {
          part.written.tryFail(e);
          failWith(e);
        })
        .onSuccess(out -> {
          part.out = out;
          out.exceptionHandler(e -> {
            part.written.tryFail(e);
            failWith(e);
          });
          part.upload.exceptionHandler(this::failWith);
          part.upload.handler(chunk -> {
            part.chunks++;
            if (part.batch != null && part.batch.length() + chunk.length() > WRITE_BYTES) {
              writeBatch(part);
            }
            if (part.batch == null) {
              part.batch = Buffer.buffer(WRITE_BYTES);
            }
            part.batch.appendBuffer(chunk);
            if (out.writeQueueFull()) {
              part.waitsForDisk = true;
              part.upload.pause();
              out.drainHandler(x -> resume(part));
            }
          });
          part.upload.endHandler(x -> {
            part.ended = true;
            writeBatch(part);
            out.end().onComplete(part.written::handle);
          });
          resume(part);
        });
  }

  /** The part's spool file, or its pipe into the part stream. */
  private Future<WriteStream<Buffer>> open(Spooling part) {
    if (stream != null) {
      return Future.succeededFuture(stream.begin(path(part.upload.filename()),
          DIRECTORY.equals(part.upload.contentType())));
    }
    return vertx.fileSystem().open(part.file.toString(), new OpenOptions().setCreateNew(true).setWrite(true))
        .map(file -> file.setWriteQueueMaxSize(WRITE_QUEUE_BYTES));
  }

  /** Hands what the part's batch holds to its file. */
  private static void writeBatch(Spooling part) {
    if (part.batch != null) {
      part.out.write(part.batch);
      part.batch = null;
    }
  }

  private void resume(Spooling part) {
    part.waitsForDisk = false;
    part.upload.resume();
    if (requestEnded) {
      watchDrain(part, -1, false);
    }
  }

  /**
   * After the body has ended, a resumed part delivers what it held back, one chunk or its end per
   * context turn: it is cut short only once a whole turn passed twice in a row with nothing from it
   * (a single check right after the resume raced with that delivery and refused whole bodies).
   */
  private void watchDrain(Spooling part, long seen, boolean quietOnce) {
    vertx.runOnContext(x -> {
      if (failed() || part.ended || part.waitsForDisk) {
        return;   // ended, failed, or paused again: its next resume watches again
      }
      if (part.chunks != seen) {
        watchDrain(part, part.chunks, false);
      } else if (!quietOnce) {
        watchDrain(part, seen, true);
      } else {
        failIfTruncated();
      }
    });
  }

  /** Once the body has ended, a part that neither ended nor waits for the disk was cut short. */
  private void failIfTruncated() {
    for (Spooling part : parts) {
      if (!part.ended && !part.waitsForDisk) {
        fail(FerryException.badRequest("the multipart body ends inside the part of " + part.upload.filename()
            + ": send the whole body, with the closing boundary"));
        return;
      }
    }
  }

  private FerryException tooLarge(String why) {
    return new FerryException(FerryException.TOO_LARGE, "the body may hold at most " + limit + " bytes (" + setting
        + ") but " + why + ": send fewer or smaller files, or raise " + setting);
  }

  private void failWith(Throwable e) {
    fail(e instanceof DecoderException || e.getCause() instanceof DecoderException
        ? FerryException.badRequest("the multipart body is malformed: " + e.getMessage())
        : FerryException.from(e));
  }

  private void fail(FerryException e) {
    if (result.tryFail(e)) {
      if (stream != null) {
        stream.fail(e);   // before the pipes end: the importer must not take a cut part for a whole one
      }
      discard();
    }
  }

  /** Stops writing the parts and deletes their files. */
  private void discard() {
    for (Spooling part : parts) {
      part.upload.handler(null);   // what still comes is dropped
      part.upload.resume();
      Future<Void> closed = part.out == null || part.file == null ? Future.succeededFuture() : part.out.end();
      part.written.tryFail("discarded");
      if (part.file != null) {
        closed.onComplete(x -> delete(vertx, List.of(part.file)));
      }
    }
  }

  private boolean failed() {
    return result.future().failed();
  }
}
