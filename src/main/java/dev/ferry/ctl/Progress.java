package dev.ferry.ctl;

import java.io.PrintWriter;
import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ctl add}'s progress bar on a terminal: counts the bytes of the body as the HTTP client
 * sends them and redraws one line on stderr ({@code [=====>     ]  12.3 MB / 45.6 MB}) at most every
 * {@link #REDRAW}. The counting runs on the HTTP client's threads, the drawing too (synchronized);
 * {@link #done} clears the line.
 */
final class Progress {
  /** Fast enough to look live, slow enough not to flood a terminal. */
  static final Duration REDRAW = Duration.ofMillis(100);
  static final int WIDTH = 40;

  private final PrintWriter err;
  private final long total;
  private final AtomicLong sent = new AtomicLong();
  private long drawnAt;

  Progress(PrintWriter err, long total) {
    this.err = err;
    this.total = total;
  }

  /** {@code body}, counted as it is sent. */
  BodyPublisher counting(BodyPublisher body) {
    return new BodyPublisher() {
      @Override
      public long contentLength() {
        return body.contentLength();
      }

      @Override
      public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        body.subscribe(new Flow.Subscriber<ByteBuffer>() {
          @Override
          public void onSubscribe(Flow.Subscription subscription) {
            subscriber.onSubscribe(subscription);
          }

          @Override
          public void onNext(ByteBuffer item) {
            advance(item.remaining());
            subscriber.onNext(item);
          }

          @Override
          public void onError(Throwable throwable) {
            subscriber.onError(throwable);
          }

          @Override
          public void onComplete() {
            subscriber.onComplete();
          }
        });
      }
    };
  }

  private synchronized void advance(long bytes) {
    long now = System.nanoTime();
    long at = sent.addAndGet(bytes);
    if (now - drawnAt >= REDRAW.toNanos() || at >= total) {
      drawnAt = now;
      err.print("\r" + render(Math.min(at, total), total, WIDTH));
      err.flush();
    }
  }

  /** Clears the bar's line, so what is printed next starts clean. */
  synchronized void done() {
    err.print("\r" + " ".repeat(WIDTH + 2 * "1000.0 MB".length() + " /  ".length() + 2) + "\r");
    err.flush();
  }

  /** One line of the bar: {@code [====>    ]  1.2 MB / 4.5 MB}. */
  static String render(long sent, long total, int width) {
    int filled = total <= 0 ? width : (int) (width * Math.min(sent, total) / total);
    String bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? filled == width ? "=" : ">" : "")
        + " ".repeat(width - filled);
    return "[" + bar + "] " + Humanize.bytes(sent) + " / " + Humanize.bytes(total);
  }
}
