package dev.ferry.pin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Passes every Kubo RPC call on to a real daemon and counts, per command and CID, the calls that
 * reached it (the daemon itself cannot say how often it was asked to pin). Thread-safe; a thread
 * per request.
 */
final class CountingRelay implements AutoCloseable {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(120);

  private final URI daemon;
  private final HttpServer server;
  private final HttpClient client = HttpClient.newHttpClient();
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "counting-relay");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  CountingRelay(URI daemon) {
    this.daemon = daemon;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::relay);
    server.setExecutor(threads);
    server.start();
  }

  URI api() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** How many times {@code command} (such as {@code pin/add}) reached the daemon for {@code cid}. */
  int calls(String command, String cid) {
    return calls.getOrDefault(command + " " + cid, new AtomicInteger()).get();
  }

  private void relay(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    URI uri = exchange.getRequestURI();
    String command = uri.getPath().replace("/api/v0/", "");
    String query = String.valueOf(uri.getRawQuery());
    String cid = query.contains("arg=") ? query.replaceAll(".*arg=([^&]*).*", "$1") : "";
    calls.computeIfAbsent(command + " " + cid, c -> new AtomicInteger()).incrementAndGet();
    HttpRequest.Builder request = HttpRequest.newBuilder(daemon.resolve(uri.getRawPath()
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))).timeout(CALL_TIMEOUT)
        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    byte[] answer;
    int status;
    try {
      HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      answer = response.body();
      status = response.statusCode();
      response.headers().firstValue("Content-Type").ifPresent(t -> exchange.getResponseHeaders().add("Content-Type", t));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } catch (IOException e) {
      answer = ("{\"Message\":\"relay: " + e + "\"}").getBytes();
      status = 502;
    }
    exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
