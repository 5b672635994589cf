package dev.ferry.web;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Streams a long listing as newline-delimited JSON, one page at a time: each page's lines go out
 * as soon as it arrives, and the next page is asked for before a page's lines are encoded and
 * written, so gathering it overlaps that; pages go out in order even when one comes at once, and a
 * page is written only once the client has taken the earlier ones
 * (the response's write queue drained), so at most one page waits beside the one being written and
 * the whole listing is never held. A failure before the first line is the route's error answer;
 * after it, the status is out, so the answer ends with an {@value #STREAM_ERROR} trailer naming
 * the failure (as IPFS Cluster and Kubo do).
 *
 * <p>Runs on the route's context; one instance per response.
 */
final class LineStream<C> {
  /** The trailer that carries a failure after the answer began. */
  static final String STREAM_ERROR = "X-Stream-Error";

  /**
   * One page: its lines, encoded when they are written (each ending in a newline), and where the
   * next one starts (null: this was the last).
   */
  record Page<C>(Supplier<Buffer> lines, C next) {
    /** A page of these JSON values, one per line. */
    static <C> Page<C> of(List<JsonObject> lines, C next) {
      return new Page<>(() -> {
        Buffer chunk = Buffer.buffer();
        lines.forEach(line -> chunk.appendString(line.encode()).appendByte((byte) '\n'));
        return chunk;
      }, next);
    }
  }

  private final RoutingContext ctx;
  private final Function<C, Future<Page<C>>> pages;
  private boolean started;
  /** Whether a page is being written: the next page, asked for first, waits for it if it comes at once. */
  private boolean writing;
  private AsyncResult<Page<C>> arrivedMeanwhile;

  private LineStream(RoutingContext ctx, Function<C, Future<Page<C>>> pages) {
    this.ctx = ctx;
    this.pages = pages;
  }

  /**
   * Answers {@code ctx} with the lines of every page: {@code pages} gets null for the first, then
   * each page's {@code next}.
   */
  static <C> void send(RoutingContext ctx, Function<C, Future<Page<C>>> pages) {
    new LineStream<>(ctx, pages).ask(null);
  }

  private void ask(C from) {
    pages.apply(from).onComplete(page -> {
      if (writing) {
        arrivedMeanwhile = page;   // written once the page before it is
      } else {
        arrived(page);
      }
    });
  }

  private void arrived(AsyncResult<Page<C>> page) {
    if (ctx.response().closed() || ctx.response().ended()) {
      return;   // the client went away, or a page failed to encode: ask no further
    }
    if (page.failed()) {
      fail(page.cause());
    } else {
      whenTaken(page.result());
    }
  }

  /** Writes {@code page} once the client has taken what was written before it. */
  private void whenTaken(Page<C> page) {
    HttpServerResponse response = ctx.response();
    if (response.writeQueueFull()) {
      response.drainHandler(x -> {
        response.drainHandler(null);
        if (!response.closed()) {
          whenTaken(page);
        }
      });
      return;
    }
    writing = true;
    try {
      if (page.next() != null) {
        ask(page.next());   // gathered while this page is encoded and written
      }
      write(page);
    } catch (RuntimeException e) {
      fail(e);
    } finally {
      writing = false;
    }
    if (arrivedMeanwhile != null) {
      AsyncResult<Page<C>> next = arrivedMeanwhile;
      arrivedMeanwhile = null;
      arrived(next);
    }
  }

  private void write(Page<C> page) {
    HttpServerResponse response = ctx.response();
    if (!started) {
      started = true;
      response.setChunked(true).putHeader("Content-Type", Json.CONTENT_TYPE).putHeader("Trailer", STREAM_ERROR);
    }
    if (page.next() == null) {
      response.end(page.lines().get());
    } else {
      response.write(page.lines().get());
    }
  }

  private void fail(Throwable cause) {
    if (!started) {
      ctx.fail(cause);
      return;
    }
    ctx.response().putTrailer(STREAM_ERROR, String.valueOf(cause.getMessage()).replaceAll("[\\r\\n]+", " ")).end();
  }
}
