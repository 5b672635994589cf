package dev.ferry.web.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.function.Consumer;

/**
 * A read stream that shows each item to a tap before handing it on unchanged, so an answer can be
 * looked at while it is piped (with the pipe's backpressure) rather than buffered.
 *
 * <p>Used on the source stream's context only.
 */
final class TappedStream implements ReadStream<Buffer> {
  private final ReadStream<Buffer> source;
  private final Consumer<Buffer> tap;

  TappedStream(ReadStream<Buffer> source, Consumer<Buffer> tap) {
    this.source = source;
    this.tap = tap;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    source.handler(handler == null ? null : item -> {
      tap.accept(item);
      handler.handle(item);
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    source.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    source.resume();
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    source.fetch(amount);
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> handler) {
    source.endHandler(handler);
    return this;
  }
}
