package dev.ferry.web;

import dev.ferry.core.ConfigSection;
import dev.ferry.core.FerryException;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits uploads ({@code POST /add}, the proxy's {@code add}) up to a number at once and a total
 * of bytes in flight, node-wide: one gate per server section, shared by its verticle instances.
 * An upload spooled to disk reserves its declared {@code Content-Length}, or the most one may send
 * when it declares none, and gives it back when it ends; one streamed through reserves none.
 * Beyond either bound the client is told to come back later (503 with {@code Retry-After}) rather
 * than the node running out of memory or disk.
 *
 * <p>Thread-safe.
 */
public final class UploadGate implements Shareable {
  private static final Logger log = LoggerFactory.getLogger(UploadGate.class);
  private static final String MAP = "ferry.uploads";

  /** One admitted upload; {@link #close} gives its share back (twice does nothing). */
  public final class Permit implements AutoCloseable {
    private final long bytes;
    private boolean closed;

    private Permit(long bytes) {
      this.bytes = bytes;
    }

    @Override
    public void close() {
      synchronized (UploadGate.this) {
        if (!closed) {
          closed = true;
          uploads--;
          reserved -= bytes;
        }
      }
    }
  }

  private final String section;
  private final int maxUploads;
  private final long maxBytes;
  private final int retryAfterSeconds;
  private final ThrottledLog busy = new ThrottledLog(log);
  private int uploads;
  private long reserved;

  /**
   * A server section's upload bounds: {@code max_concurrent_uploads}, {@code upload_retry_after_ms}
   * and, where uploads are spooled, {@code max_upload_in_flight_bytes} (absent: no bound on bytes,
   * for a section that streams every upload through). Immutable.
   *
   * @param section the section's name, which also names the node's one gate for it
   */
  public record Limits(String section, int maxUploads, long maxBytes, int retryAfterSeconds) {
    /** Reads and checks the upload bounds of a server's section. */
    public static Limits from(ConfigSection section) {
      return new Limits(section.name(), section.positive("max_concurrent_uploads"),
          section.has("max_upload_in_flight_bytes") ? section.bytes("max_upload_in_flight_bytes") : Long.MAX_VALUE,
          (int) section.wholeSeconds("upload_retry_after_ms", "HTTP's Retry-After").toSeconds());
    }
  }

  private UploadGate(Limits limits) {
    this.section = limits.section();
    this.maxUploads = limits.maxUploads();
    this.maxBytes = limits.maxBytes();
    this.retryAfterSeconds = limits.retryAfterSeconds();
  }

  /** The node's gate for the section of {@code limits}; the first verticle instance to ask makes it. */
  public static UploadGate of(Vertx vertx, Limits limits) {
    return (UploadGate) vertx.sharedData().getLocalMap(MAP)
        .computeIfAbsent(limits.section(), s -> new UploadGate(limits));
  }

  /**
   * A permit for an upload of {@code bytes} (0: one that takes none of the byte bound, as a
   * streamed upload), or empty when the gate is full.
   */
  public synchronized Optional<Permit> tryEnter(long bytes) {
    // one upload alone always fits: its size is bounded elsewhere (api.max_add_bytes, or the disk);
    // so what is reserved may pass maxBytes, and the comparison is written not to overflow
    if (uploads >= maxUploads || uploads > 0 && bytes > 0 && bytes > maxBytes - reserved) {
      busy.warn(section + ": answered an upload with 503: " + uploads + " uploads in flight (at most " + maxUploads
          + ", " + section + ".max_concurrent_uploads) hold " + reserved + " bytes"
          + (maxBytes == Long.MAX_VALUE ? "" : " (at most " + maxBytes + ", " + section + ".max_upload_in_flight_bytes)"));
      return Optional.empty();
    }
    uploads++;
    reserved += bytes;
    return Optional.of(new Permit(bytes));
  }

  /** What a refused client is told to wait before trying again, in seconds ({@code Retry-After}). */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** The failure a refused upload answers with (503). */
  public FerryException busy() {
    String bytes = maxBytes == Long.MAX_VALUE ? "" : " and " + maxBytes + " bytes of them";
    String keys = maxBytes == Long.MAX_VALUE ? section + ".max_concurrent_uploads"
        : section + ".max_concurrent_uploads, " + section + ".max_upload_in_flight_bytes";
    return new FerryException(FerryException.UNAVAILABLE, "this node takes at most " + maxUploads
        + " uploads" + bytes + " at once (" + keys + ") and is at that bound: retry after " + retryAfterSeconds
        + " s, or raise " + keys);
  }
}
