package dev.ferry.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for an IPFS daemon's Kubo RPC API that reads every request body and discards it:
 * {@code add} answers one fixed CID, the pin commands answer as if they had done their work (the
 * CIDs pinned are remembered, so {@code pin/ls} lists them as a daemon would, streamed one per
 * line with {@code stream=true}: a node's state sync then finds nothing to repair), and
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
  /** The CIDs pinned (recursively) and not unpinned since. */
  private final Set<String> pins = ConcurrentHashMap.newKeySet();

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
    String arg = arg(exchange.getRequestURI().getRawQuery());
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    if (path.equals("/api/v0/pin/ls")) {
      listPins(exchange);
      return;
    }
    if (arg != null && path.equals("/api/v0/pin/add")) {
      pins.add(arg);
    } else if (arg != null && path.equals("/api/v0/pin/rm")) {
      pins.remove(arg);
    }
    String answer = switch (path) {
      case "/api/v0/add" -> "{\"Name\":\"file\",\"Hash\":\"" + CID + "\",\"Size\":\"" + SIZE + "\"}\n";
      case "/api/v0/pin/add", "/api/v0/pin/rm" -> "{\"Pins\":[\"" + (arg == null ? CID : arg) + "\"]}";
      case "/api/v0/id" -> "{\"ID\":\"12D3KooWStandIn\",\"Addresses\":[],\"AgentVersion\":\"discarding-daemon\"}";
      default -> "{}";
    };
    byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** {@code pin/ls}: the recursive pins, one {@code {"Cid","Type"}} line each (streamed); none of other types. */
  private void listPins(HttpExchange exchange) throws IOException {
    String query = exchange.getRequestURI().getRawQuery();
    boolean recursive = query == null || !query.contains("type=") || query.contains("type=recursive")
        || query.contains("type=all");
    exchange.sendResponseHeaders(200, 0);  // chunked
    try (OutputStream out = new BufferedOutputStream(exchange.getResponseBody(), 64 * 1024)) {
      if (recursive) {
        for (String cid : pins) {
          out.write(("{\"Cid\":\"" + cid + "\",\"Type\":\"recursive\"}\n").getBytes(StandardCharsets.UTF_8));
        }
      }
    }
  }

  /** The first {@code arg} of a query, or null. */
  private static String arg(String query) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith("arg=")) {
        return URLDecoder.decode(pair.substring(4), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
