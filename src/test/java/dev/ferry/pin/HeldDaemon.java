package dev.ferry.pin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A stand-in for an IPFS daemon's Kubo RPC API that counts the pin and unpin calls running on it at
 * once (a real daemon cannot say) and records their order, holds every {@code pin/add} until
 * {@link #release()} (and again after {@link #hold()}), and can fail the first unpins. It keeps
 * what it pinned and lists it on {@code pin/ls}. Thread-safe; a thread per request.
 */
final class HeldDaemon implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "held-daemon");
    t.setDaemon(true);
    return t;
  });
  private volatile CountDownLatch held = new CountDownLatch(1);
  private final Set<String> pinned = ConcurrentHashMap.newKeySet();
  private final List<String> order = new CopyOnWriteArrayList<>();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger mostAtOnce = new AtomicInteger();
  private final AtomicInteger unpinsToFail = new AtomicInteger();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  HeldDaemon() {
    this(0);
  }

  /** A stand-in on {@code port} (0: any free one). */
  HeldDaemon(int port) {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::answer);
    server.setExecutor(threads);
    server.start();
  }

  URI api() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Lets every held pin, and every later one, answer. */
  void release() {
    held.countDown();
  }

  /** Holds every later {@code pin/add} until {@link #release()}. */
  void hold() {
    held = new CountDownLatch(1);
  }

  /** Drops the pin of {@code cid}, as someone using the daemon directly would. */
  void forget(String cid) {
    pinned.remove(cid);
  }

  /** The pin and unpin calls in the order they arrived, as {@code "pin/add <cid>"}. */
  List<String> order() {
    return List.copyOf(order);
  }

  /** The next {@code n} unpins answer an error. */
  void failUnpins(int n) {
    unpinsToFail.set(n);
  }

  /** Pin and unpin calls running now. */
  int running() {
    return running.get();
  }

  /** The most pin and unpin calls that ran at once so far. */
  int mostAtOnce() {
    return mostAtOnce.get();
  }

  /** How many times {@code command} ({@code pin/add}, {@code pin/rm}) was called for {@code cid}. */
  int calls(String command, String cid) {
    return calls.getOrDefault(command + " " + cid, new AtomicInteger()).get();
  }

  private void answer(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().readAllBytes();
    String command = exchange.getRequestURI().getPath().replace("/api/v0/", "");
    String query = String.valueOf(exchange.getRequestURI().getQuery());
    String cid = query.replaceAll(".*arg=([^&]*).*", "$1");
    int status = 200;
    String answer;
    switch (command) {
      case "pin/add", "pin/rm" -> {
        calls.computeIfAbsent(command + " " + cid, c -> new AtomicInteger()).incrementAndGet();
        order.add(command + " " + cid);
        mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
          if (command.equals("pin/add")) {
            held.await();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          running.decrementAndGet();
        }
        if (command.equals("pin/rm") && unpinsToFail.getAndDecrement() > 0) {
          status = 500;
          answer = "{\"Message\":\"stand-in daemon refuses this unpin\",\"Code\":0,\"Type\":\"error\"}";
        } else {
          if (command.equals("pin/add")) {
            pinned.add(cid);
          } else {
            pinned.remove(cid);
          }
          answer = "{\"Pins\":[\"" + cid + "\"]}";
        }
      }
      case "pin/ls" -> answer = pinned.stream().map(c -> "{\"Cid\":\"" + c + "\",\"Type\":\"recursive\"}\n")
          .collect(Collectors.joining());
      default -> answer = "{}";
    }
    byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    threads.shutdownNow();
  }
}
