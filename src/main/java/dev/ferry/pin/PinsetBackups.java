package dev.ferry.pin;

import dev.ferry.core.ConfigSection;
import dev.ferry.core.NodeContext;
import dev.ferry.peers.PeerId;
import dev.ferry.raft.Committed;
import dev.ferry.raft.Consistency;
import dev.ferry.raft.RaftClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotating backups of the pinset in {@code <data_dir>/backups}, written when the node shuts down
 * (IPFS Cluster's {@code raft.backups_rotate}): {@code pinset-<UTC time>.ndjson}, one IPFS Cluster
 * {@code api.Pin} per line ({@link PinExport}, the format of {@code ferry state export}), so
 * {@code ferry state import} restores one into any cluster. The pinset is read from this node's
 * replica {@code pin.list_page_size} pins at a time and each page appended before the next is
 * read: it is never held whole. A backup is written under a temporary name and renamed once
 * complete; then all but the newest {@code raft.backups} are deleted ({@code 0}: no backups). A
 * node whose replica is outside the group (removed, or not yet added) has no pinset to back up and
 * writes none, so it does not rotate good backups away.
 *
 * <p>Runs on the pin verticle's context; files are written through Vert.x's asynchronous file system.
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

  /**
   * How many backups a node keeps: {@code raft.backups} of its {@code raft} section (0: none).
   *
   * @throws dev.ferry.core.ConfigException naming the key when it is no whole number from 0
   */
  static int keep(ConfigSection raft) {
    return raft.nonNegative("backups");
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
      FileSystem fs = vertx.fileSystem();
      return fs.mkdirs(dir.toString())
          .compose(v -> fs.open(partial.toString(), new OpenOptions().setWrite(true).setCreate(true)
              .setTruncateExisting(true)))
          .compose(file -> writePages(file, null, 0).eventually(file::close))
          .compose(count -> fs.move(partial.toString(), done.toString())
              .onSuccess(v -> log.info("pinset backed up on {}: {} pins in {}", node.name(), count, done)))
          .compose(v -> rotate(dir))
          .map(done);
    });
  }

  /** Appends the pins after {@code after} (null: from the first) page by page; how many there were. */
  private Future<Long> writePages(AsyncFile file, String after, long written) {
    JsonObject op = new JsonObject().put("op", "list").put("limit", config.listPage());
    if (after != null) {
      op.put("after", after);
    }
    return raft.query(config.group(), op, Consistency.EVENTUAL, 0).map(Committed::result).compose(page -> {
      JsonArray pins = page.getJsonArray("pins");
      Buffer lines = Buffer.buffer();
      for (Object pin : pins) {
        lines.appendString(PinExport.apiPin((JsonObject) pin, this::peerId).encode()).appendByte((byte) '\n');
      }
      long total = written + pins.size();
      return file.write(lines).compose(v -> page.getBoolean("more", false) && !pins.isEmpty()
          ? writePages(file, pins.getJsonObject(pins.size() - 1).getString("cid"), total)
          : Future.succeededFuture(total));
    });
  }

  /** Deletes all but the newest {@code keep} backups (their names sort by time). */
  private Future<Void> rotate(Path dir) {
    FileSystem fs = vertx.fileSystem();
    return fs.readDir(dir.toString(), PREFIX.replace("-", "\\-") + ".*\\" + SUFFIX).compose(files -> {
      List<String> sorted = files.stream().filter(f -> f.endsWith(SUFFIX)).sorted().toList();
      List<Future<Void>> deleted = sorted.subList(0, Math.max(0, sorted.size() - keep)).stream()
          .map(fs::delete).toList();
      return Future.all(deleted).mapEmpty();
    });
  }

  private String peerId(String name) {
    return node.peerIds().peerId(name).map(PeerId::toString).orElse(name);
  }
}
