package dev.ferry.raft.impl;

import dev.ferry.core.ConfigException;
import dev.ferry.core.FerryException;
import dev.ferry.core.NodeContext;
import dev.ferry.raft.RaftSettings;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A group's replica stopped because its store failed (a full disk, an I/O error): keeps the
 * failure that requests are answered with and {@code /health} reports, logs it once, and every
 * {@code raft.storage_retry_ms} checks whether the data dir takes writes again (it writes, fsyncs
 * and deletes {@code raft.storage_probe_bytes}); then it asks for the replica to be restarted from
 * its store, without a restart of the node. The store itself is never touched here.
 *
 * <p>Confined to the group's Raft executor context (the timer hops onto it).
 */
final class StoreWatch {
  private static final Logger log = LoggerFactory.getLogger(StoreWatch.class);
  /** SQLite's primary result code for "database or disk is full". */
  private static final int SQLITE_FULL = 13;

  private final Vertx vertx;
  private final NodeContext node;
  private final String group;
  private final RaftSettings settings;
  private final Path file;
  private final ContextExecutor executor;
  /** Restarts the replica from its store; fails if it cannot (the watch tries again later). */
  private final Runnable restart;
  private FerryException failure;
  private long timer = -1;

  StoreWatch(Vertx vertx, NodeContext node, String group, RaftSettings settings, Path file, ContextExecutor executor,
      Runnable restart) {
    this.vertx = vertx;
    this.node = node;
    this.group = group;
    this.settings = settings;
    this.file = file;
    this.executor = executor;
    this.restart = restart;
  }

  /** The failure the replica is stopped by, or null while it runs. */
  FerryException failure() {
    return failure;
  }

  /** The component name {@code /health} reports this group under. */
  String component() {
    return "raft." + group;
  }

  /**
   * The store (or the replica) failed: answer with {@link #describe}'s failure from now on, say so
   * on {@code /health}, log it once, and check for recovery every {@code raft.storage_retry_ms}.
   */
  FerryException failed(Throwable cause) {
    FerryException described = describe(cause);
    boolean first = failure == null;
    failure = described;
    node.health().failing(component(), described);
    if (first) {
      log.error("{}", described.getMessage()); // one line for the operator; the trace at DEBUG
      log.debug("raft group {}: the store failure", group, cause);
    }
    schedule();
    return described;
  }

  /** The replica runs again on its store: clear the failure. */
  void recovered() {
    if (failure != null) {
      log.info("raft group {} on {}: the store {} takes writes again; the replica restarted from it", group,
          node.name(), file);
      failure = null;
      node.health().recovered(component());
    }
    cancel();
  }

  void stop() {
    cancel();
    node.health().recovered(component());
  }

  /** A failure of the store as ferry's code, naming the data dir and what to do. */
  FerryException describe(Throwable cause) {
    if (cause instanceof FerryException f && (FerryException.STORAGE_FULL.equals(f.code())
        || FerryException.STORAGE_ERROR.equals(f.code()))) {
      return f;
    }
    Path dataDir = node.config().dataDir();
    long retry = settings.storageRetry().toMillis();
    if (isDiskFull(cause)) {
      return new FerryException(FerryException.STORAGE_FULL, "raft group " + group + " on " + node.name()
          + ": the disk of data dir " + dataDir + " is full (writing " + file + " failed: " + rootMessage(cause)
          + "); the group's replica on this node is stopped and restarts from its store by itself, checking every "
          + retry + " ms: free space in " + dataDir, cause);
    }
    return new FerryException(FerryException.STORAGE_ERROR, "raft group " + group + " on " + node.name()
        + ": cannot write its store " + file + " in data dir " + dataDir + " (" + rootMessage(cause)
        + "); the group's replica on this node is stopped and restarts from its store by itself, checking every "
        + retry + " ms: check the disk and the file", cause);
  }

  /** Why the group cannot start on this node, naming the store and what to do; logged once as an ERROR. */
  ConfigException cannotStart(Throwable cause) {
    Throwable e = RaftErrors.unwrap(cause);
    String what = e instanceof ConfigException c ? c.getMessage()
        : "raft group " + group + " cannot start on " + node.name() + " from its store " + file + ": " + e + ". "
            + (isDiskFull(e) ? "Free space in " + node.config().dataDir() + " and start the node again."
                : "The store is kept as it is: restore it from a backup, or move it away to let this node come back "
                    + "as a new member outside the group (then leave and join it; docs/RAFT.md), and start again.");
    String message = what.startsWith("raft group ") ? what : "raft group " + group + ": " + what;
    log.error("{}", message); // one line for the operator; the trace at DEBUG
    log.debug("raft group {}: why it cannot start", group, e);
    return new ConfigException(message, e);
  }

  /** Whether a failure (or one of its causes) says the disk is full. */
  static boolean isDiskFull(Throwable failure) {
    for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof SQLException sql && (sql.getErrorCode() & 0xff) == SQLITE_FULL) {
        return true;
      }
      String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
      if (message.contains("sqlite_full") || message.contains("no space left") || message.contains("disk is full")) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable failure) {
    Throwable e = failure;
    while (e.getCause() != null && e.getCause() != e) {
      e = e.getCause();
    }
    return String.valueOf(e.getMessage());
  }

  private void schedule() {
    if (timer < 0) {
      timer = vertx.setTimer(settings.storageRetry().toMillis(), id -> executor.submit(this::retry));
    }
  }

  private void cancel() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void retry() {
    timer = -1;
    if (failure == null) {
      return;
    }
    if (!probe()) {
      schedule();
      return;
    }
    restart.run(); // recovered() or failed() follow
  }

  /** Whether the store's directory takes {@code raft.storage_probe_bytes} now (written, fsynced, deleted); blocking. */
  private boolean probe() {
    Path probe = file.resolveSibling(file.getFileName() + ".probe");
    try {
      DiskFaults.check(probe, settings.storageProbeBytes());
      try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer bytes = ByteBuffer.allocate(settings.storageProbeBytes());
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.force(true);
      }
      return true;
    } catch (IOException e) {
      log.debug("raft group {}: {} does not take writes yet: {}", group, file.getParent(), e.getMessage());
      return false;
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException e) {
        log.debug("raft group {}: cannot delete {}: {}", group, probe, e.getMessage());
      }
    }
  }
}
