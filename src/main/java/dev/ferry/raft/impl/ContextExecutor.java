package dev.ferry.raft.impl;

import io.microraft.executor.RaftNodeExecutor;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one Raft node's tasks on one ordered Vert.x worker context: tasks run one at a time, in
 * submission order, with happens-before between them (MicroRaft's actor model), on worker threads,
 * so the SQLite store may fsync without blocking an event loop.
 *
 * <p>Thread-safe: MicroRaft and ferry submit from any thread. Every task is queued, never run
 * inline, so a task submitted from inside another one runs after it, as MicroRaft expects of
 * {@link #submit}. A task that throws is logged and does not stop the ones after it.
 */
public final class ContextExecutor implements RaftNodeExecutor {
  private static final Logger log = LoggerFactory.getLogger(ContextExecutor.class);

  private final Vertx vertx;
  private final Context context;

  /** @param context a worker context (the group verticle's) */
  public ContextExecutor(Vertx vertx, Context context) {
    if (!context.isWorkerContext()) {
      throw new IllegalArgumentException("the Raft executor needs an ordered worker context");
    }
    this.vertx = vertx;
    this.context = context;
  }

  @Override
  public void execute(Runnable task) {
    submit(task);
  }

  @Override
  public void submit(Runnable task) {
    context.runOnContext(v -> run(task));
  }

  @Override
  public void schedule(Runnable task, long delay, TimeUnit unit) {
    long millis = Math.max(1, unit.toMillis(delay));
    vertx.setTimer(millis, id -> submit(task));
  }

  /** Whether the caller runs on this executor's context. */
  public boolean isCurrent() {
    return Vertx.currentContext() == context;
  }

  private static void run(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | AssertionError e) {
      log.error("Raft task {} failed", task, e);
    }
  }
}
