package dev.ferry.web.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Forwards a client's request to this node's IPFS daemon and streams the daemon's answer back,
 * with backpressure both ways: neither body is ever held whole. Status, headers and trailers pass
 * unchanged, except the hop-by-hop ones. A daemon that cannot be reached is a 502 in Kubo's error
 * shape naming {@code ipfs.api}; a client that goes away cuts the daemon's request too.
 *
 * <p>Used on one verticle instance's context (it owns one HTTP client with its connection pool).
 */
final class DaemonPipe {
  /** What a command does with the daemon's answer besides passing it on. */
  interface Answer {
    /** Pass the answer on as it is. */
    Answer AS_IS = new Answer() {
      @Override
      public void chunk(Buffer chunk) {}

      @Override
      public Future<String> finish(HttpClientResponse daemon) {
        return Future.succeededFuture();
      }

      @Override
      public boolean reportsLateFailures() {
        return false;
      }
    };

    /** Each piece of the answer's body, just before it goes to the client. */
    void chunk(Buffer chunk);

    /**
     * Runs once the daemon's whole answer has been passed on, before the client's answer ends;
     * completes with a failure to report in the {@value KuboAnswers#STREAM_ERROR} trailer, or null.
     */
    Future<String> finish(HttpClientResponse daemon);

    /** Whether {@link #finish} may report a failure: then the answer is chunked and declares the trailer. */
    default boolean reportsLateFailures() {
      return true;
    }
  }

  /** Headers about one connection, not the exchange (RFC 9110, 7.6.1). */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "transfer-encoding", "upgrade");
  /**
   * Besides those: the client's Host names the proxy, the proxy answers 100-continue itself, and
   * the client's credentials are ferry's (api.users, the proxy's own login), never the daemon's.
   */
  private static final Set<String> REQUEST_ONLY = Set.of("host", "expect", "authorization");
  private static final int BAD_GATEWAY = 502;
  /** Declares the trailers that follow a chunked body. */
  private static final String TRAILER = "Trailer";

  private final ProxyConfig config;
  private final URI daemon;
  private final HttpClientAgent client;

  /** Forwards to {@code daemon}, which {@code config} names ({@code ipfs.api}). */
  DaemonPipe(Vertx vertx, ProxyConfig config, URI daemon) {
    this.config = config;
    this.daemon = daemon;
    this.client = vertx.createHttpClient(new HttpClientOptions()
            .setDefaultHost(daemon.getHost())
            .setDefaultPort(ProxyConfig.port(daemon))
            .setConnectTimeout((int) config.connectTimeout().toMillis())
            .setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(config.daemonConnections()));
  }

  /** Forwards the request exactly as it came. */
  void forward(HttpServerRequest request) {
    forward(request, request.uri(), Answer.AS_IS);
  }

  /** Forwards the request to {@code uri} (path and query) and hands the answer to {@code answer} as it passes. */
  void forward(HttpServerRequest request, String uri, Answer answer) {
    request.pause();  // no body byte may arrive before the daemon's request can take it
    RequestOptions options = new RequestOptions().setMethod(request.method()).setURI(uri)
        .setHeaders(forwardable(request.headers(), REQUEST_ONLY));
    if (!config.idleTimeout().isZero()) {
      options.setIdleTimeout(config.idleTimeout().toMillis());
    }
    client.request(options)
        .onSuccess(out -> send(request, out, answer))
        .onFailure(e -> {
          unreachable(request.response(), e);
          request.resume();  // read and drop the body, so the connection can carry the next request
        });
  }

  Future<Void> close() {
    return client.close();
  }

  private void send(HttpServerRequest request, HttpClientRequest out, Answer answer) {
    if (!request.headers().contains(HttpHeaders.CONTENT_LENGTH) && request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      out.setChunked(true);
    }
    HttpServerResponse response = request.response();
    // the client went away: the daemon's work for it (a long cat, a subscription) ends too
    response.closeHandler(v -> out.reset());
    request.pipe().endOnFailure(false).to(out).onFailure(e -> out.reset());
    out.response()
        .onSuccess(in -> relay(in, response, answer, out))
        .onFailure(e -> unreachable(response, e));
  }

  private void relay(HttpClientResponse in, HttpServerResponse response, Answer answer, HttpClientRequest out) {
    response.setStatusCode(in.statusCode()).setStatusMessage(in.statusMessage());
    response.headers().addAll(forwardable(in.headers(), Set.of()));
    if (answer.reportsLateFailures()) {
      // a failure after the status went out can only travel in a trailer, and trailers need chunks
      response.headers().remove(HttpHeaders.CONTENT_LENGTH);
      if (!response.headers().contains(TRAILER)) {
        response.putHeader(TRAILER, KuboAnswers.STREAM_ERROR);
      }
    }
    boolean chunked = !response.headers().contains(HttpHeaders.CONTENT_LENGTH);
    response.setChunked(chunked);
    new TappedStream(in, answer::chunk).pipe().endOnSuccess(false).endOnFailure(false).to(response)
        .compose(x -> {
          if (chunked) {
            response.trailers().addAll(in.trailers());
          }
          return answer.finish(in);
        })
        .onSuccess(late -> {
          if (late != null) {
            response.putTrailer(KuboAnswers.STREAM_ERROR, KuboAnswers.headerSafe(late));
          }
          response.end();
        })
        .onFailure(e -> {
          // one side broke off mid-answer: end both, so neither mistakes a part for the whole
          response.reset();
          out.reset();
        });
  }

  private void unreachable(HttpServerResponse response, Throwable cause) {
    KuboAnswers.error(response, BAD_GATEWAY, "the IPFS daemon at " + daemon + " (ipfs.api) did not answer: "
        + cause.getMessage() + "; start the daemon, or set ipfs.api to where it listens");
  }

  /** The headers of {@code from} that belong to the exchange, not to one connection. */
  private static MultiMap forwardable(MultiMap from, Set<String> alsoSkipped) {
    Set<String> skipped = new HashSet<>(HOP_BY_HOP);
    skipped.addAll(alsoSkipped);
    String connection = from.get(HttpHeaders.CONNECTION);
    if (connection != null) {
      for (String name : connection.split(",")) {
        skipped.add(name.trim().toLowerCase(Locale.ROOT));
      }
    }
    MultiMap kept = MultiMap.caseInsensitiveMultiMap();
    from.forEach((name, value) -> {
      if (!skipped.contains(name.toLowerCase(Locale.ROOT))) {
        kept.add(name, value);
      }
    });
    return kept;
  }
}
