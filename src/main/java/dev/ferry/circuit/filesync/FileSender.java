package dev.ferry.circuit.filesync;

import dev.ferry.circuit.Circuit;
import dev.ferry.circuit.Fragment;
import dev.ferry.circuit.LocalPeer;
import dev.ferry.circuit.PeerRef;
import dev.ferry.core.FerryException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.FileProps;
import io.vertx.core.file.OpenOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * One attempt at sending one file over one circuit: offer it, resume at the offset the receiver
 * names, stream data fragments with a CRC32C each (pausing the file while the circuit's write
 * queue is full), then the whole file's SHA-256. The outcome says whether the file is in place,
 * and if not, whether another attempt may help.
 *
 * <p>Runs on the sending peer's context; file reads use Vert.x's async files or a worker thread.
 */
final class FileSender {
  /** How one attempt ended. {@code retry}: the circuit broke or a checksum failed; try again. */
  record Outcome(boolean complete, boolean retry, String failure, long resumedFrom, long sent) {}

  private final LocalPeer me;
  private final CopyProgress.File progress;
  private final String remotePath;
  private final int fragmentBytes;
  private final Promise<Outcome> outcome = Promise.promise();
  private Circuit circuit;
  private AsyncFile file;
  private MessageDigest sha;
  private long size;
  private long resumedFrom;
  private long sent;
  private String failure;
  private boolean retryable;

  FileSender(LocalPeer me, CopyProgress.File progress, String remotePath, int fragmentBytes) {
    this.me = me;
    this.progress = progress;
    this.remotePath = remotePath;
    this.fragmentBytes = fragmentBytes;
  }

  /** Sends the file to {@code target}; never fails: every way it can end is an {@link Outcome}. */
  Future<Outcome> send(PeerRef target) {
    Path source = progress.source();
    me.context().owner().fileSystem().props(source.toString())
        .compose(props -> offer(target, props))
        .onSuccess(this::converse)
        .onFailure(e -> {
          FerryException f = FerryException.from(e);
          boolean retry = !f.code().equals(FerryException.BAD_REQUEST) && !f.code().equals(FerryException.TOO_LARGE)
              && !(e instanceof IOException) && !(e.getCause() instanceof IOException);
          finish(new Outcome(false, retry, f.code() + ": " + f.getMessage(), 0, 0));
        });
    return outcome.future();
  }

  private Future<Circuit> offer(PeerRef target, FileProps props) {
    size = props.size();
    Fragment offer = Fragment.of(FileSyncProtocol.OFFER).withArg(FileSyncProtocol.PATH, remotePath)
        .withArg(FileSyncProtocol.SIZE, Long.toString(size)).withArg(FileSyncProtocol.MTIME, Long.toString(props.lastModifiedTime()));
    return me.newCircuitToPeer(target, offer);
  }

  private void converse(Circuit c) {
    circuit = c;
    c.errors().handler(f -> {
      failure = f.err();
      retryable = f.err().startsWith(FileSyncProtocol.CHECKSUM + ":");
    });
    c.closeHandler(reason -> {
      closeFile();
      finish(new Outcome(false, failure == null || retryable,
          failure != null ? failure : "the circuit closed before the file was complete: " + reason, resumedFrom, sent));
    });
    c.reads().handler(f -> {
      switch (f.op()) {
        case FileSyncProtocol.ACCEPT -> resumeAt(f.part());
        case FileSyncProtocol.ACK -> progress.acknowledged(f.part());
        case FileSyncProtocol.COMPLETE -> {
          finish(new Outcome(true, false, null, resumedFrom, sent));
          c.close("done");
        }
        default -> c.close("bad-request: unexpected filesync op " + f.op());
      }
    });
  }

  /** Hashes what the receiver already has (on a worker), then streams the rest. */
  private void resumeAt(long offset) {
    resumedFrom = offset;
    progress.acknowledged(offset);
    me.context().executeBlocking(() -> hashPrefix(progress.source(), offset), false)
        .compose(digest -> {
          sha = digest;
          if (offset >= size) {
            return sendDone();
          }
          return me.context().owner().fileSystem().open(progress.source().toString(), new OpenOptions().setRead(true))
              .map(opened -> {
                stream(opened, offset);
                return null;
              });
        })
        .onFailure(e -> abort("internal: reading " + progress.source() + ": " + e.getMessage()));
  }

  private void stream(AsyncFile opened, long offset) {
    file = opened;
    long[] position = {offset};
    file.setReadPos(offset).setReadLength(size - offset).setReadBufferSize(fragmentBytes);
    file.exceptionHandler(e -> abort("internal: reading " + progress.source() + ": " + e.getMessage()));
    file.endHandler(v -> {
      closeFile();
      sendDone();
    });
    file.handler(chunk -> {
      byte[] bytes = chunk.getBytes();
      sha.update(bytes);
      circuit.write(Fragment.of(FileSyncProtocol.DATA, chunk).withPart(position[0]).withArg(FileSyncProtocol.CRC, FileSyncProtocol.crc32c(bytes)));
      position[0] += bytes.length;
      sent += bytes.length;
      progress.sent(bytes.length);
      if (circuit.writeQueueFull()) {
        file.pause();
        circuit.drainHandler(x -> {
          if (file != null) {
            file.resume();
          }
        });
      }
    });
  }

  private Future<Void> sendDone() {
    return circuit.write(Fragment.of(FileSyncProtocol.DONE).withArg(FileSyncProtocol.SHA256, FileSyncProtocol.hex(sha.digest()))
        .withArg(FileSyncProtocol.SIZE, Long.toString(size)));
  }

  private void abort(String reason) {
    failure = reason;
    retryable = false;
    closeFile();
    circuit.close(reason);
  }

  private void closeFile() {
    if (file != null) {
      file.close();
      file = null;
    }
  }

  private void finish(Outcome o) {
    outcome.tryComplete(o);
  }

  /** Blocking: the SHA-256 state after the first {@code length} bytes of the file. */
  private static MessageDigest hashPrefix(Path source, long length) throws IOException {
    MessageDigest digest = FileReceiver.newSha256();
    try (InputStream in = Files.newInputStream(source)) {
      byte[] chunk = new byte[FileSyncProtocol.HASH_CHUNK_BYTES];
      long left = length;
      while (left > 0) {
        int n = in.read(chunk, 0, (int) Math.min(chunk.length, left));
        if (n < 0) {
          throw new IOException(source + " is shorter than the " + length + " bytes the receiver already has");
        }
        digest.update(chunk, 0, n);
        left -= n;
      }
    }
    return digest;
  }
}
