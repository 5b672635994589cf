package dev.ferry.ipfs.store;

import dev.ferry.ipfs.Cid;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The importer's sink for one add, writing each block on other threads while the importer reads
 * and hashes the next chunks: on this project's 2-core VM the importing thread spent about 60% of an
 * add creating, writing and renaming block files one after the other (docs/BENCHMARKS.md). At most
 * {@code maxBytes} of blocks are on their way at once (a put waits beyond that), so memory stays
 * flat in the file size. The first failure of a write is thrown by the next {@link #put} and by
 * {@link #finish}, which waits for every write: call it before {@link BlockStore#sync()}, so that an
 * add is answered only once its blocks are written and then synced; {@link #close} waits for what is
 * still on its way without throwing (on an add's failure path).
 *
 * <p>Threading: {@link #put}, {@link #finish} and {@link #close} from the one importing thread; the
 * writes run on {@code threads}. State is guarded by this object's monitor.
 */
final class WriteBehind implements Importer.BlockSink, AutoCloseable {
  private final Importer.BlockSink sink;
  private final Executor threads;
  private final long maxBytes;
  private long inFlightBytes;
  private int inFlight;
  private Throwable failure;

  /** Writes through {@code sink} on {@code threads}, at most {@code maxBytes} at once (one block whatever its size). */
  WriteBehind(Importer.BlockSink sink, Executor threads, long maxBytes) {
    this.sink = sink;
    this.threads = threads;
    this.maxBytes = maxBytes;
  }

  @Override
  public void put(Cid cid, byte[] block) throws IOException {
    synchronized (this) {
      while (failure == null && inFlight > 0 && inFlightBytes + block.length > maxBytes) {
        await();
      }
      rethrow();
      inFlight++;
      inFlightBytes += block.length;
    }
    try {
      threads.execute(() -> write(cid, block));
    } catch (RejectedExecutionException e) {
      done(block.length, e);
      rethrow();
    }
  }

  private void write(Cid cid, byte[] block) {
    Throwable failed = null;
    try {
      sink.put(cid, block);
    } catch (IOException | RuntimeException | Error e) {
      failed = e;
    }
    done(block.length, failed);
  }

  private synchronized void done(int bytes, Throwable failed) {
    inFlight--;
    inFlightBytes -= bytes;
    if (failure == null && failed != null) {
      failure = failed;
    }
    notifyAll();
  }

  /**
   * Waits for every write put so far.
   *
   * @throws IOException or the unchecked exception the first failed write threw (such as
   *     {@code storage-full})
   */
  synchronized void finish() throws IOException {
    while (inFlight > 0) {
      await();
    }
    rethrow();
  }

  /** Waits for the writes still on their way, without throwing their failures. */
  @Override
  public synchronized void close() {
    boolean interrupted = false;
    while (inFlight > 0) {
      try {
        wait();
      } catch (InterruptedException e) {
        interrupted = true;  // the writes end by themselves: waited for all the same
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void await() throws InterruptedIOException {
    try {
      wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the add's block writes");
    }
  }

  private void rethrow() throws IOException {
    if (failure instanceof IOException e) {
      throw e;
    } else if (failure instanceof RuntimeException e) {
      throw e;
    } else if (failure instanceof Error e) {
      throw e;
    }
  }
}
