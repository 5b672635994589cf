package dev.ferry.circuit.impl;

import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ReadStream} fed by its owner: items wait here until the reader's demand
 * ({@code pause}/{@code resume}/{@code fetch}) and handler take them; nothing is dropped. Each item
 * handed over is reported to the {@link Owner} (that is where circuits grant credit). Items that
 * arrive before a handler is set wait for it.
 *
 * <p>State belongs to the owner's context: {@link #push} and {@link #end} run there, and the
 * stream's own methods hop there through {@link Owner#onContext} when called from another thread.
 */
public final class Inbound<T> implements ReadStream<T> {
  private static final Logger log = LoggerFactory.getLogger(Inbound.class);

  /** Whose stream this is: where its state lives, and who hears of each item taken. */
  public interface Owner<T> {
    void onContext(Runnable task);

    void delivered(T item);
  }

  private final Owner<T> owner;
  private ArrayDeque<T> queue;
  private long demand = Long.MAX_VALUE;
  private Handler<T> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private boolean ended;
  private boolean endDelivered;
  private boolean draining;

  public Inbound(Owner<T> owner) {
    this.owner = owner;
  }

  /** Adds an item for the reader (on the owner's context). */
  public void push(T item) {
    if (ended) {
      return;
    }
    if (queue == null) {
      queue = new ArrayDeque<>(4);
    }
    queue.add(item);
    drain();
  }

  /** No more items: the end handler runs once the reader has taken what is queued. */
  public void end() {
    ended = true;
    drain();
  }

  /** Ends now, dropping what the reader has not taken (the reader itself asked to stop). */
  public void endNow() {
    if (queue != null) {
      queue.clear();
    }
    end();
  }

  public int queued() {
    return queue == null ? 0 : queue.size();
  }

  @Override
  public Inbound<T> handler(Handler<T> h) {
    owner.onContext(() -> {
      handler = h;
      drain();
    });
    return this;
  }

  @Override
  public Inbound<T> pause() {
    owner.onContext(() -> demand = 0);
    return this;
  }

  @Override
  public Inbound<T> resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public Inbound<T> fetch(long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("fetch: a negative amount: " + amount);
    }
    owner.onContext(() -> {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      drain();
    });
    return this;
  }

  @Override
  public Inbound<T> endHandler(Handler<Void> h) {
    owner.onContext(() -> {
      endHandler = h;
      drain();
    });
    return this;
  }

  @Override
  public Inbound<T> exceptionHandler(Handler<Throwable> h) {
    owner.onContext(() -> exceptionHandler = h);
    return this;
  }

  private void drain() {
    if (draining) {
      return;
    }
    draining = true;
    try {
      while (demand > 0 && handler != null && queue != null && !queue.isEmpty()) {
        T item = queue.poll();
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        owner.delivered(item);
        call(handler, item);
      }
      if (ended && !endDelivered && endHandler != null && (queue == null || queue.isEmpty())) {
        endDelivered = true;
        call(endHandler, null);
      }
    } finally {
      draining = false;
    }
  }

  private <X> void call(Handler<X> h, X value) {
    try {
      h.handle(value);
    } catch (RuntimeException e) {
      if (exceptionHandler != null) {
        exceptionHandler.handle(e);
      } else {
        log.warn("a stream handler failed", e);
      }
    }
  }
}
