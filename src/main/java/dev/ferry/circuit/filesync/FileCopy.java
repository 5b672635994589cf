package dev.ferry.circuit.filesync;

import dev.ferry.circuit.Circuits;
import dev.ferry.circuit.LocalPeer;
import dev.ferry.circuit.PeerRef;
import dev.ferry.core.FerryException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies files to a directory on another node: one circuit per file, {@code filesync.parallel_files}
 * at a time, to a filesync peer started there for this copy. A file whose circuit broke is resumed
 * (up to {@code filesync.retries} times, with a fresh remote peer when the old one is gone); the
 * receiver tells where to resume, so nothing it already has is sent again.
 *
 * <p>Runs on the sending peer's context; {@link #sources} is blocking (call it before starting).
 */
public final class FileCopy {
  private static final Logger log = LoggerFactory.getLogger(FileCopy.class);
  /** How often to try the target node again while connecting (not a wait for the outcome itself). */
  private static final long CONNECT_POLL_MILLIS = 200;

  /** A local file and its path under the target directory, '/'-separated. */
  public record Source(Path path, String remotePath, long size) {}

  /**
   * What a copy did.
   *
   * @param failed remote path → why it failed
   * @param resumed remote path → the offset a broken or earlier transfer was resumed from
   */
  public record Result(List<String> copied, Map<String, String> failed, Map<String, Long> resumed,
      long sentBytes, long totalBytes, double seconds) {
    public boolean ok() {
      return failed.isEmpty();
    }
  }

  private final Circuits circuits;
  private final LocalPeer me;
  private final String node;
  private final FileSyncConfig config;
  private final CopyProgress progress;
  private final ArrayDeque<Integer> next = new ArrayDeque<>();
  private final List<Source> sources;
  private final List<String> copied = new ArrayList<>();
  private final Map<String, String> failed = new TreeMap<>();
  private final Map<String, Long> resumed = new TreeMap<>();
  private Future<PeerRef> target;

  private FileCopy(Circuits circuits, LocalPeer me, String node, List<Source> sources, FileSyncConfig config) {
    this.circuits = circuits;
    this.me = me;
    this.node = node;
    this.sources = sources;
    this.config = config;
    this.progress = new CopyProgress(sources.stream().map(Source::path).toList(),
        sources.stream().mapToLong(Source::size).sum());
  }

  /** Prepares a copy of {@code sources} from peer {@code me} to node {@code node}; {@link #run} starts it. */
  public static FileCopy of(Circuits circuits, LocalPeer me, String node, List<Source> sources, FileSyncConfig config) {
    return new FileCopy(circuits, me, node, sources, config);
  }

  public CopyProgress progress() {
    return progress;
  }

  /**
   * Copies every source; completes when each file is in place or has failed for good. Fails when
   * no filesync peer can be started on the target node within {@code filesync.connect_timeout_ms}
   * (the node is not in the cluster, or does not run the circuit service yet).
   */
  public Future<Result> run() {
    Promise<Result> done = Promise.promise();
    me.context().runOnContext(v -> connect(System.nanoTime() + config.connectTimeout().toNanos())
        .onFailure(done::fail)
        .onSuccess(ref -> {
          progress.restart();
          for (int i = 0; i < sources.size(); i++) {
            next.add(i);
          }
          List<Future<Void>> workers = new ArrayList<>();
          for (int w = 0; w < Math.min(config.parallelFiles(), sources.size()); w++) {
            workers.add(work());
          }
          Future.join(workers).onComplete(x -> done.complete(result(x.cause())));
        }));
    return done.future();
  }

  /** What happened; a file neither copied nor failed (a bug broke its worker) counts as failed. */
  private Result result(Throwable broken) {
    for (Source s : sources) {
      if (!copied.contains(s.remotePath()) && !failed.containsKey(s.remotePath())) {
        log.error("filesync: copying {} ended without an outcome", s.remotePath(), broken);
        failed.put(s.remotePath(), "internal: the copy ended without an outcome: " + broken);
      }
    }
    return new Result(List.copyOf(copied), Map.copyOf(failed), Map.copyOf(resumed), progress.sentBytes(),
        sources.stream().mapToLong(Source::size).sum(), progress.elapsedSeconds());
  }

  /** Starts the filesync peer on the target node, trying again until the deadline (the node may be starting). */
  private Future<PeerRef> connect(long deadline) {
    return circuits.startRemotePeer(FileSyncService.NAME, node)
        .onSuccess(ref -> target = Future.succeededFuture(ref))
        .recover(e -> {
          if (System.nanoTime() < deadline) {
            return me.context().owner().timer(CONNECT_POLL_MILLIS).compose(x -> connect(deadline));
          }
          FerryException f = FerryException.from(e);
          return Future.failedFuture(new FerryException(f.code(), "cannot reach the filesync service on node " + node
              + " within " + config.connectTimeout().toMillis() + " ms (filesync.connect_timeout_ms): "
              + f.getMessage(), e));
        });
  }

  /**
   * The sources for {@code paths}: a file goes to {@code dir/<its name>}, a directory's files to
   * {@code dir/<directory name>/...}. Blocking. Fails for a path that does not exist.
   */
  public static List<Source> sources(List<Path> paths, String dir) throws IOException {
    String prefix = dir == null || dir.isBlank() || dir.equals(".") ? "" : dir.replaceAll("/+$", "") + "/";
    List<Source> sources = new ArrayList<>();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        Path base = path.toAbsolutePath().normalize();
        String name = base.getFileName() == null ? "" : base.getFileName() + "/";
        try (Stream<Path> walk = Files.walk(base)) {
          for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
            String relative = base.relativize(f).toString().replace(File.separatorChar, '/');
            sources.add(new Source(f, prefix + name + relative, Files.size(f)));
          }
        }
      } else if (Files.isRegularFile(path)) {
        sources.add(new Source(path, prefix + path.getFileName(), Files.size(path)));
      } else {
        throw new IOException(path + ": no such file or directory");
      }
    }
    return sources;
  }

  private Future<Void> work() {
    Integer index = next.poll();
    if (index == null) {
      return Future.succeededFuture();
    }
    return copyOne(sources.get(index), progress.files().get(index), 0).compose(v -> work());
  }

  private Future<Void> copyOne(Source source, CopyProgress.File file, int attempt) {
    return target()
        .compose(ref -> new FileSender(me, file, source.remotePath(), config.fragmentBytes()).send(ref))
        .recover(e -> {
          FerryException f = FerryException.from(e);
          return Future.succeededFuture(new FileSender.Outcome(false, true, f.code() + ": " + f.getMessage(), 0, 0));
        })
        .compose(outcome -> {
          if (outcome.resumedFrom() > 0) {
            resumed.merge(source.remotePath(), outcome.resumedFrom(), Math::max);
          }
          if (outcome.complete()) {
            copied.add(source.remotePath());
            file.finished();
            return Future.succeededFuture();
          }
          if (outcome.retry() && attempt < config.retries()) {
            log.info("filesync: {} to {}: {}; resuming (attempt {} of {})", source.remotePath(), node, outcome.failure(),
                attempt + 1, config.retries());
            target = null;
            return me.context().owner().timer(config.retryDelay().toMillis())
                .compose(x -> copyOne(source, file, attempt + 1));
          }
          failed.put(source.remotePath(), outcome.failure());
          file.finished();
          return Future.succeededFuture();
        });
  }

  /** The filesync peer on the target node, started on first use and again after a failure. */
  private Future<PeerRef> target() {
    Future<PeerRef> current = target;
    if (current == null) {
      Future<PeerRef> starting = circuits.startRemotePeer(FileSyncService.NAME, node);
      target = starting;
      starting.onFailure(e -> {
        if (target == starting) {
          target = null;
        }
      });
      current = starting;
    }
    return current;
  }
}
