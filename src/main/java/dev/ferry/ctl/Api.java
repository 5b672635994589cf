package dev.ferry.ctl;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A blocking client of one node's HTTP API (docs/API.md) for {@code ferry ctl}: a CLI runs one
 * request after the other on its own thread, so it uses {@link HttpClient} rather than an event
 * loop. Every answer other than 2xx becomes a {@link CtlException} carrying the node's error
 * {@code message}. Not shared between threads.
 */
final class Api {
  /** How long connecting to the node may take; a node on this machine answers at once. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** How much of an answer that is not ferry's error JSON goes into the message. */
  private static final int SNIPPET_CHARS = 200;
  private static final int UNAUTHORIZED = 401;

  private final URI host;
  /** {@code host} without a trailing slash: paths start with one. */
  private final String base;
  private final Duration timeout;
  private final Optional<String> authorization;
  // HTTP/1.1: the API is plain http, where the client's h2c upgrade only costs a round trip
  private final HttpClient client;

  /**
   * @param host the node's API, such as {@code http://127.0.0.1:9094}
   * @param timeout how long one request may take, answer included
   * @param authorization the {@code Authorization} header of every request ({@code --basic-auth})
   */
  Api(URI host, Duration timeout, Optional<String> authorization) {
    this.host = host;
    this.authorization = authorization;
    this.base = host.toString().replaceAll("/+$", "");
    this.timeout = timeout;
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT.compareTo(timeout) < 0 ? CONNECT_TIMEOUT : timeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  String get(String path) throws CtlException {
    return send(request(path).GET());
  }

  String post(String path) throws CtlException {
    return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
  }

  String post(String path, String contentType, BodyPublisher body) throws CtlException {
    return send(request(path).header("Content-Type", contentType).POST(body));
  }

  String delete(String path) throws CtlException {
    return send(request(path).DELETE());
  }

  /** {@code ?k=v&...} of the entries whose value is not null, encoded; empty when there are none. */
  static String query(Map<String, ?> params) {
    String query = params.entrySet().stream()
        .filter(e -> e.getValue() != null)
        .map(e -> e.getKey() + "=" + URLEncoder.encode(String.valueOf(e.getValue()), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    return query.isEmpty() ? "" : "?" + query;
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
        .header("Accept", "application/json");
    authorization.ifPresent(value -> request.header("Authorization", value));
    return request;
  }

  private String send(HttpRequest.Builder builder) throws CtlException {
    HttpRequest request = builder.build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpConnectTimeoutException | ConnectException e) {
      throw unreachable(e);
    } catch (HttpTimeoutException e) {
      throw new CtlException(request.method() + " " + request.uri() + ": no answer within "
          + DurationConverter.format(timeout) + "; give it more time with --timeout", e);
    } catch (IOException e) {
      throw e.getCause() instanceof ConnectException ? unreachable(e)
          : new CtlException(request.method() + " " + request.uri() + ": " + reason(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CtlException("interrupted", e);
    }
    if (response.statusCode() / 100 == 2) {
      return response.body();
    }
    String message = errorMessage(request, response);
    if (response.statusCode() == UNAUTHORIZED && authorization.isEmpty()) {
      message += " (this node has users: pass --basic-auth USER:PASSWORD)";
    }
    throw new CtlException(message);
  }

  private CtlException unreachable(Exception e) {
    return new CtlException("cannot reach a ferry node at " + host + " (" + reason(e) + "): start one (ferry node) "
        + "or pass --host URL", e);
  }

  /** The API's error {@code message}; for an answer in another shape, the status and the body's start. */
  private static String errorMessage(HttpRequest request, HttpResponse<String> response) {
    try {
      String message = new JsonObject(response.body()).getString("message");
      if (message != null && !message.isBlank()) {
        return message;
      }
    } catch (DecodeException | ClassCastException e) {
      // not ferry's error shape: say what came back instead
    }
    String body = response.body() == null ? "" : response.body().strip().replaceAll("\\s+", " ");
    return request.method() + " " + request.uri() + ": HTTP " + response.statusCode()
        + (body.isEmpty() ? "" : ": " + (body.length() <= SNIPPET_CHARS ? body
        : body.substring(0, SNIPPET_CHARS - 3) + "..."));
  }

  /** The first message in the exception's causes; a refused connection often carries none. */
  private static String reason(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    return e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
  }
}
