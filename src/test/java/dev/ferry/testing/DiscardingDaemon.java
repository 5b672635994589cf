package dev.ferry.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for an IPFS daemon's Kubo RPC API that reads every request body and discards it:
 * {@code add} answers one fixed CID, the pin commands answer as if they had done their work, and
 * {@code repo/stat} answers no sizes (so the node measures no free space and allocates by pin count). For
 * tests that measure that ferry does not hold what passes through it (a real daemon would make
 * them measure the daemon); where ferry's work with a daemon matters, tests use
 * {@link IpfsDaemon}. Thread-safe; a thread per request.
 */
public final class DiscardingDaemon implements AutoCloseable {
  /** What {@code add} answers: the CIDv1 of "hello world" (raw leaves). */
  public static final String CID = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
  /** The size {@code add} answers for {@link #CID}, whatever was sent. */
  public static final long SIZE = 11;

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "discarding-daemon");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong received = new AtomicLong();

  public DiscardingDaemon() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::answer);
    server.setExecutor(threads);
    server.start();
  }

  /** The API address for {@code ipfs.api}. */
  public URI api() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Body bytes received and discarded so far. */
  public long received() {
    return received.get();
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (InputStream body = exchange.getRequestBody()) {
      byte[] sink = new byte[64 * 1024];
      for (int n = body.read(sink); n >= 0; n = body.read(sink)) {
        received.addAndGet(n);
      }
    }
    String path = exchange.getRequestURI().getPath();
    String answer = switch (path) {
      case "/api/v0/add" -> "{\"Name\":\"file\",\"Hash\":\"" + CID + "\",\"Size\":\"" + SIZE + "\"}\n";
      case "/api/v0/pin/add", "/api/v0/pin/rm" -> "{\"Pins\":[\"" + CID + "\"]}";
      case "/api/v0/pin/ls" -> "{\"Keys\":{}}";
      case "/api/v0/id" -> "{\"ID\":\"12D3KooWStandIn\",\"Addresses\":[],\"AgentVersion\":\"discarding-daemon\"}";
      default -> "{}";
    };
    byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
