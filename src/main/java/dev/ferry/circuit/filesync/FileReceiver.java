package dev.ferry.circuit.filesync;

import dev.ferry.circuit.Circuit;
import dev.ferry.circuit.Fragment;
import dev.ferry.core.FerryException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of one file on one circuit: checks the offered path against the file root,
 * resumes a partial file of the same source, verifies each fragment's CRC32C before writing it,
 * verifies the whole file's SHA-256, and only then moves it into place, so a partial file never
 * replaces a complete one. Reads one fragment at a time ({@code fetch(1)} after each write), which
 * is what holds the sender back through the circuit's credit.
 *
 * <p>Runs on the peer's context; file-system work runs on worker threads or Vert.x's async files.
 */
final class FileReceiver {
  private static final Logger log = LoggerFactory.getLogger(FileReceiver.class);
  static final String PART_SUFFIX = ".ferry-part";
  static final String META_SUFFIX = ".ferry-part.json";

  private record Prepared(Path target, Path partial, Path meta, long offset) {}

  private final Vertx vertx;
  private final Context context;
  private final Circuit circuit;
  private final Path root;
  private Prepared prepared;
  private AsyncFile file;
  private long written;
  private String path = "?";

  FileReceiver(Vertx vertx, Context context, Circuit circuit, Path root) {
    this.vertx = vertx;
    this.context = context;
    this.circuit = circuit;
    this.root = root;
  }

  void start() {
    circuit.reads().pause();
    circuit.reads().handler(this::onFragment);
    circuit.closeHandler(reason -> closeFile());
    circuit.reads().fetch(1);
  }

  private void onFragment(Fragment f) {
    Future<Void> step;
    try {
      step = switch (f.op()) {
        case FileSyncProtocol.OFFER -> offer(f);
        case FileSyncProtocol.DATA -> data(f);
        case FileSyncProtocol.DONE -> done(f);
        default -> throw FerryException.badRequest("unexpected filesync op " + f.op() + " (expected offer, data or done)");
      };
    } catch (RuntimeException e) {
      step = Future.failedFuture(e);
    }
    step.onComplete(ok -> circuit.reads().fetch(1), this::fail);
  }

  private Future<Void> offer(Fragment f) {
    if (prepared != null) {
      throw FerryException.badRequest("one file per circuit: this one already carries " + path);
    }
    path = f.arg(FileSyncProtocol.PATH);
    long size = number(f, FileSyncProtocol.SIZE);
    long mtime = number(f, FileSyncProtocol.MTIME);
    return context.executeBlocking(() -> prepare(path, size, mtime), false)
        .compose(p -> {
          prepared = p;
          written = p.offset();
          return vertx.fileSystem().open(p.partial().toString(), new OpenOptions().setWrite(true).setCreate(true));
        })
        .compose(opened -> {
          file = opened;
          if (written > 0) {
            log.info("filesync: resuming {} at {} of {} bytes", path, written, size);
          }
          return circuit.send(Fragment.of(FileSyncProtocol.ACCEPT).withPart(written));
        });
  }

  private Future<Void> data(Fragment f) {
    if (file == null) {
      throw FerryException.badRequest("data before an offer");
    }
    if (f.part() != written) {
      throw FerryException.badRequest("data for offset " + f.part() + " while " + written + " bytes are written");
    }
    byte[] bytes = f.payload().getBytes();
    if (!FileSyncProtocol.crc32c(bytes).equals(f.arg(FileSyncProtocol.CRC))) {
      throw new FerryException(FileSyncProtocol.CHECKSUM, path + ": the fragment at offset " + f.part() + " does not match its CRC32C");
    }
    return file.write(f.payload(), written).compose(v -> {
      written += bytes.length;
      return circuit.send(Fragment.of(FileSyncProtocol.ACK).withPart(written));
    });
  }

  private Future<Void> done(Fragment f) {
    if (file == null) {
      throw FerryException.badRequest("done before an offer");
    }
    String sha = f.arg(FileSyncProtocol.SHA256);
    long size = number(f, FileSyncProtocol.SIZE);
    AsyncFile closing = file;
    file = null;
    return closing.flush().compose(v -> closing.close())
        .compose(v -> context.executeBlocking(() -> install(sha, size), false))
        .compose(v -> {
          log.info("filesync: received {} ({} bytes) into {}", path, size, root);
          return circuit.send(Fragment.of(FileSyncProtocol.COMPLETE).withArg(FileSyncProtocol.SHA256, sha));
        });
  }

  private void fail(Throwable e) {
    if (circuit.isClosed()) {
      closeFile();
      log.debug("filesync: circuit for {} closed while a step was under way: {}", path, e.toString());
      return;
    }
    FerryException failure = FerryException.from(e);
    String text = failure.code() + ": " + failure.getMessage();
    log.warn("filesync: receiving {} failed: {}", path, text);
    closeFile();
    circuit.send(Fragment.error(text));
    circuit.close(text);
  }

  private void closeFile() {
    if (file != null) {
      file.close();
      file = null;
    }
  }

  /** Blocking: checks the path, then finds what of this source is already here (a resumable partial file). */
  private Prepared prepare(String relative, long size, long mtime) throws IOException {
    Path target = SafePaths.resolve(root, relative);
    if (Files.isDirectory(target)) {
      throw FerryException.badRequest("path " + relative + " is a directory on the receiving node");
    }
    String name = target.getFileName().toString();
    Path partial = target.resolveSibling("." + name + PART_SUFFIX);
    Path meta = target.resolveSibling("." + name + META_SUFFIX);
    for (Path p : new Path[] {partial, meta}) {
      if (Files.isSymbolicLink(p) || Files.isDirectory(p)) {
        throw FerryException.badRequest(p + " is in the way of a partial file: remove it");
      }
    }
    JsonObject source = new JsonObject().put(FileSyncProtocol.SIZE, size).put(FileSyncProtocol.MTIME, mtime);
    long offset = 0;
    if (Files.isRegularFile(partial) && Files.isRegularFile(meta) && sameSource(readMeta(meta), size, mtime)) {
      offset = Math.min(Files.size(partial), size);
    } else {
      Files.writeString(meta, source.encode());
    }
    try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      channel.truncate(offset);
    }
    return new Prepared(target, partial, meta, offset);
  }

  /** Blocking: verifies the whole partial file, then moves it over the target in one step. */
  private Void install(String sha, long size) throws IOException {
    Prepared p = prepared;
    String actual = sha256(p.partial());
    long actualSize = Files.size(p.partial());
    if (actualSize != size || !actual.equals(sha)) {
      Files.deleteIfExists(p.partial());
      Files.deleteIfExists(p.meta());
      throw new FerryException(FileSyncProtocol.CHECKSUM, path + ": the received file (" + actualSize + " bytes, SHA-256 " + actual
          + ") does not match the sent one (" + size + " bytes, SHA-256 " + sha + "); send it again");
    }
    Files.move(p.partial(), p.target(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.deleteIfExists(p.meta());
    return null;
  }

  private static boolean sameSource(JsonObject meta, long size, long mtime) {
    return meta != null && Long.valueOf(size).equals(meta.getLong(FileSyncProtocol.SIZE))
        && Long.valueOf(mtime).equals(meta.getLong(FileSyncProtocol.MTIME));
  }

  private static JsonObject readMeta(Path meta) {
    try {
      return new JsonObject(Files.readString(meta));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest = newSha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] chunk = new byte[FileSyncProtocol.HASH_CHUNK_BYTES];
      for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
        digest.update(chunk, 0, n);
      }
    }
    return FileSyncProtocol.hex(digest.digest());
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  private static long number(Fragment f, String arg) {
    try {
      return Long.parseLong(f.arg(arg));
    } catch (RuntimeException e) {
      throw FerryException.badRequest("arg " + arg + ": expected an integer, got " + f.arg(arg));
    }
  }
}
