package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.store.Importer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The parts of one upload handed to an importer while they arrive, with no spool file: the
 * request's event loop {@linkplain #begin begins} each part as the {@link MultipartDecoder} meets
 * it and writes its bytes into a bounded {@link Pipe} (the slices of the HTTP chunks they came in,
 * not copied); the importer, on a worker, asks for the parts in order ({@link #next}) and reads
 * each one's bytes as an {@link InputStream}, blocking until a whole read of them is there (so it
 * wakes once per chunk it imports, not once per HTTP chunk). A full pipe tells the writer to pause the request, and the reader's draining resumes
 * it, so an upload holds at most {@value #PIPE_BYTES} bytes in memory whatever its size.
 *
 * <p>Threading: {@link #begin}, {@link #end}, {@link #fail} and the pipes' {@link WriteStream}
 * side run on the request's event loop; {@link #next} and the pipes' input streams on the one
 * importing worker. State is guarded by each object's monitor, so the worker may block on it.
 */
final class PartStream implements Importer.Entries {
  /**
   * What one part's pipe holds before the request pauses: four of {@link FileParts#WRITE_BYTES}
   * (the importer's default chunk), so the importer finds the next chunk there while it hashes and
   * stores the last one, and the request resumes at half, well before the importer runs dry.
   */
  static final int PIPE_BYTES = 4 * FileParts.WRITE_BYTES;

  private final Context context;
  /** Parts begun and not yet asked for by the importer. Guarded by {@code this}. */
  private final Deque<Importer.Streamed> arrived = new ArrayDeque<>();
  /** Every pipe begun, so a failure reaches the one the importer reads. Guarded by {@code this}. */
  private final List<Pipe> pipes = new ArrayList<>();
  /** The paths of the parts begun. Guarded by {@code this}. */
  private final List<String> begun = new ArrayList<>();
  private boolean ended;
  private FerryException failure;

  /** @param context the request's context, where a drained pipe resumes the request */
  PartStream(Context context) {
    this.context = context;
  }

  /**
   * A part named {@code path} has begun: where its bytes go. A directory's part is an entry with no
   * content, and what it carries is dropped.
   */
  synchronized WriteStream<Buffer> begin(String path, boolean directory) {
    Pipe pipe = new Pipe();
    pipes.add(pipe);
    begun.add(path);
    if (failure != null) {
      pipe.fail(failure);
    } else if (directory) {
      pipe.closeInput();
    }
    arrived.add(new Importer.Streamed(path, directory ? null : pipe.input()));
    notifyAll();
    return pipe;
  }

  /** The paths of the parts begun so far, in order (to name them in a failure). */
  synchronized List<String> paths() {
    return List.copyOf(begun);
  }

  /** Every part has come whole: after the parts begun, the importer is told there are no more. */
  synchronized void end() {
    ended = true;
    notifyAll();
  }

  /** The upload failed ({@code cause}): the importer, waiting for a part or for bytes, fails with it. */
  synchronized void fail(FerryException cause) {
    if (failure == null) {
      failure = cause;
      pipes.forEach(pipe -> pipe.fail(cause));
      notifyAll();
    }
  }

  /** The next part, once it has begun; null after the last. Blocks; for the importing worker. */
  @Override
  public synchronized Importer.Streamed next() throws IOException {
    while (arrived.isEmpty() && !ended && failure == null) {
      await(this);
    }
    if (failure != null) {
      throw failure;
    }
    return arrived.poll();
  }

  private static void await(Object monitor) throws InterruptedIOException {
    try {
      monitor.wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the upload");
    }
  }

  /**
   * One part's bytes on their way from the event loop to the importer: full at
   * {@value #PIPE_BYTES} bytes, drained (the writer's {@link #drainHandler} runs on the request's
   * context) once the reader has taken it down to half. Once the reader closed its input, what is
   * still written is dropped; once failed, the reader gets the failure.
   */
  final class Pipe implements WriteStream<Buffer> {
    /** Guarded by {@code this}, as every field below. */
    private final Deque<Buffer> queue = new ArrayDeque<>();
    /** Where the reader is in the queue's first buffer. */
    private int offset;
    private long queued;
    private int max = PIPE_BYTES;
    private boolean ended;
    private boolean inputClosed;
    private FerryException failure;
    private Handler<Void> drain;
    /** What the waiting reader waits for: this many bytes queued; 0 when it does not wait. */
    private long wanted;

    @Override
    public synchronized Future<Void> write(Buffer data) {
      if (!inputClosed && failure == null && data.length() > 0) {
        queue.add(data);
        queued += data.length();
        if (wanted > 0 && queued >= wanted) {
          notifyAll();   // once per read of the importer, not once per HTTP chunk
        }
      }
      return Future.succeededFuture();
    }

    @Override
    public synchronized Future<Void> end() {
      ended = true;
      notifyAll();
      return Future.succeededFuture();
    }

    @Override
    public synchronized Pipe setWriteQueueMaxSize(int maxSize) {
      max = maxSize;
      return this;
    }

    @Override
    public synchronized boolean writeQueueFull() {
      return queued >= max;
    }

    @Override
    public Pipe drainHandler(Handler<Void> handler) {
      synchronized (this) {
        drain = handler;
      }
      drainIfLow();   // the reader may have taken it down between the writer's check and now
      return this;
    }

    /** The pipe gets no exceptions of its own: the upload's failures come through {@link #fail}. */
    @Override
    public Pipe exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    synchronized void fail(FerryException cause) {
      failure = cause;
      queue.clear();
      offset = 0;
      queued = 0;
      notifyAll();
    }

    /** Runs the drain handler, once, on the request's context when the queue is at half or less. */
    private void drainIfLow() {
      Handler<Void> resume;
      synchronized (this) {
        if (drain == null || queued > max / 2) {
          return;
        }
        resume = drain;
        drain = null;
      }
      context.runOnContext(resume);
    }

    /** The reader is done: nothing more is kept, and a paused writer resumes to have the rest dropped. */
    void closeInput() {
      synchronized (this) {
        inputClosed = true;
        queue.clear();
        offset = 0;
        queued = 0;
      }
      drainIfLow();
    }

    /** The part's bytes as the importer reads them; closing it {@linkplain #closeInput closes the input}. */
    InputStream input() {
      return new InputStream() {
        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int at, int length) throws IOException {
          if (length == 0) {
            return 0;
          }
          int read = take(into, at, length);
          drainIfLow();
          return read;
        }

        @Override
        public void close() {
          closeInput();
        }
      };
    }

    /**
     * Copies up to {@code length} queued bytes, waiting until that many have come (or half the pipe,
     * which the writer always fills before it pauses, or the part's end); -1 once the part has ended
     * and all were read.
     */
    private synchronized int take(byte[] into, int at, int length) throws IOException {
      long enough = Math.max(1, Math.min(length, max / 2));
      while (queued < enough && !ended && failure == null && !inputClosed) {
        wanted = enough;
        try {
          await(this);
        } finally {
          wanted = 0;
        }
      }
      if (failure != null) {
        throw failure;
      }
      if (queue.isEmpty()) {
        return -1;
      }
      int read = 0;
      while (read < length && !queue.isEmpty()) {
        Buffer head = queue.peek();
        int n = Math.min(length - read, head.length() - offset);
        head.getBytes(offset, offset + n, into, at + read);
        read += n;
        offset += n;
        if (offset == head.length()) {
          queue.poll();
          offset = 0;
        }
      }
      queued -= read;
      return read;
    }
  }
}
