package dev.ferry.pin;

import dev.ferry.core.NodeContext;
import dev.ferry.peers.PeerId;
import dev.ferry.raft.Committed;
import dev.ferry.raft.Consistency;
import dev.ferry.raft.RaftClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotating backups of the pinset in {@code <data_dir>/backups}, written when the node shuts down
 * (IPFS Cluster's {@code raft.backups_rotate}): {@code pinset-<UTC time>.ndjson}, one IPFS Cluster
 * {@code api.Pin} per line ({@link PinExport}, the format of {@code ferry state export}), so
 * {@code ferry state import} restores one into any cluster. The pinset is read from this node's
 * replica {@code pin.list_page_size} pins at a time and each page appended before the next is
 * read: it is never held whole. A backup is written under a temporary name, synced and renamed once
 * complete; then all but the newest {@code raft.backups} are deleted ({@code 0}: no backups). A
 * node whose replica is outside the group (removed, or not yet added) has no pinset to back up and
 * writes none, so it does not rotate good backups away.
 *
 * <p>Runs on the pin verticle's context, which reads and encodes the pages; every file operation
 * runs on a worker ({@code executeBlocking}) with java.nio, one at a time. Not through
 * {@code vertx.fileSystem()}: a node stopped by SIGTERM writes its backup from a JVM shutdown hook,
 * while Vert.x's own hook deletes its file cache, after which that file system fails every path.
 */
final class PinsetBackups {
  private static final Logger log = LoggerFactory.getLogger(PinsetBackups.class);
  /** The backups' folder in the data dir, and how their names start and end. */
  static final String DIR = "backups";
  static final String PREFIX = "pinset-";
  static final String SUFFIX = ".ndjson";
  private static final String PARTIAL = ".partial";
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
      .withZone(ZoneOffset.UTC);

  private final Vertx vertx;
  private final NodeContext node;
  private final PinConfig config;
  private final RaftClient raft;
  private final int keep;

  /** @param keep how many backups to keep ({@code raft.backups}; 0: write none) */
  PinsetBackups(Vertx vertx, NodeContext node, PinConfig config, RaftClient raft, int keep) {
    this.vertx = vertx;
    this.node = node;
    this.config = config;
    this.raft = raft;
    this.keep = keep;
  }

  /** The folder the backups of a node with data dir {@code dataDir} are in. */
  static Path folder(Path dataDir) {
    return dataDir.resolve(DIR);
  }

  /** Writes a backup of the pinset and rotates; the new backup's path, or null when none was written. */
  Future<Path> write() {
    if (keep == 0) {
      return Future.succeededFuture(null);
    }
    return raft.status(config.group()).compose(status -> {
      if ("out".equals(status.role())) {
        log.info("no pinset backup on {}: its replica is outside group {}", node.name(), config.group());
        return Future.succeededFuture(null);
      }
      Path dir = folder(node.config().dataDir());
      Path done = dir.resolve(PREFIX + STAMP.format(Instant.now()) + SUFFIX);
      Path partial = dir.resolve(done.getFileName() + PARTIAL);
      return blocking(() -> create(partial))
          .compose(file -> writePages(file, null, 0)
              .compose(count -> blocking(() -> complete(file, partial, done)).map(count))
              .eventually(() -> blocking(() -> discard(file, partial))))
          .onSuccess(count -> log.info("pinset backed up on {}: {} pins in {}", node.name(), count, done))
          .compose(count -> blocking(() -> rotate(dir)))
          .map(done);
    });
  }

  /** Appends the pins after {@code after} (null: from the first) page by page; how many there were. */
  private Future<Long> writePages(FileChannel file, String after, long written) {
    PinQuery.Listing op = new PinQuery.Listing(null, after, config.listPage());
    return raft.query(config.group(), op, Consistency.EVENTUAL, 0).map(Committed::result).compose(page -> {
      StringBuilder lines = new StringBuilder();
      for (Pin pin : page.pins()) {
        lines.append(PinExport.apiPin(pin.toJson(), this::peerId).encode()).append('\n');
      }
      ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
      long total = written + page.pins().size();
      return blocking(() -> append(file, bytes)).compose(v -> page.next() != null
          ? writePages(file, page.next(), total)
          : Future.succeededFuture(total));
    });
  }

  /** Runs file work on a worker, never on the pin verticle's event loop; the result comes back on it. */
  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  /** Creates the folder and an empty {@code partial} (emptied if an earlier attempt left one). */
  private static FileChannel create(Path partial) throws IOException {
    Files.createDirectories(partial.getParent());
    return FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static Void append(FileChannel file, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      file.write(bytes);
    }
    return null;
  }

  /** Syncs and closes the finished backup, then gives it its name in one step. */
  private static Void complete(FileChannel file, Path partial, Path done) throws IOException {
    file.force(true);
    file.close();
    Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
    return null;
  }

  /** Closes the file and deletes what is left under the temporary name: nothing once complete. */
  private static Void discard(FileChannel file, Path partial) throws IOException {
    file.close();
    Files.deleteIfExists(partial);
    return null;
  }

  /** Deletes all but the newest {@code keep} backups (their names sort by time). */
  private Void rotate(Path dir) throws IOException {
    List<Path> backups = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
      files.forEach(backups::add);
    }
    Collections.sort(backups);
    List<Path> old = backups.subList(0, Math.max(0, backups.size() - keep));
    for (Path backup : old) {
      Files.deleteIfExists(backup);
    }
    return null;
  }

  private String peerId(String name) {
    return node.peerIds().peerId(name).map(PeerId::toString).orElse(name);
  }
}
