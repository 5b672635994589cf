package dev.ferry.peers;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches peers.json over HTTP for {@link Peers#sync(java.net.URI, String)}. Thread-safe: the one
 * shared {@link HttpClient} is.
 */
final class PeersSync {

  /** Bounds the connection and the whole exchange, as the seed's 5 s client timeout did. */
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  // Redirects are not followed: the API key must not travel to a host nobody configured.
  // HTTP/1.1 because one small GET gains nothing from HTTP/2, and the h2c upgrade the client
  // would otherwise attempt on plain http confuses some servers and proxies.
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private PeersSync() {}

  static Peers fetch(URI url, String apiKey, Duration timeout) throws PeersException {
    HttpRequest request = request(url, apiKey, timeout);
    String where = "sync from " + url;
    CompletableFuture<HttpResponse<String>> future =
        CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> response;
    try {
      // The request timeout covers waiting for the headers; this deadline also covers a body
      // that trickles in forever.
      response = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw timedOut(where, timeout, e);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new PeersException(where + ": interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpTimeoutException) {
        throw timedOut(where, timeout, cause);
      }
      if (cause instanceof ConnectException) {
        throw new PeersException(where + ": cannot connect: " + reason(cause), cause);
      }
      if (cause instanceof IOException) {
        throw new PeersException(where + ": " + reason(cause), cause);
      }
      throw new PeersException(where + ": " + cause, cause);
    }
    if (response.statusCode() != 200) {
      throw new PeersException(
          where + ": HTTP " + response.statusCode() + " (expected 200)" + snippet(response.body()));
    }
    return Peers.parse(response.body(), url.toString());
  }

  private static HttpRequest request(URI url, String apiKey, Duration timeout) throws PeersException {
    if (url == null) {
      throw new PeersException("sync: no URL given");
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
      throw new PeersException("sync from " + url + ": not an http or https URL with a host");
    }
    try {
      HttpRequest.Builder builder =
          HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "application/json").GET();
      if (apiKey != null && !apiKey.isBlank()) {
        builder.header("X-Api-Key", apiKey.trim());
      }
      return builder.build();
    } catch (IllegalArgumentException e) { // a URI the HTTP client refuses, or a bad header value
      // the client's message quotes a refused header's value, which may be the API key: not repeated
      boolean header = apiKey != null && e.getMessage() != null && e.getMessage().contains(apiKey.trim());
      throw new PeersException("sync from " + url + ": " + (header ? "the API key holds a character no HTTP header "
          + "may (a line break or another control character): set it again" : e.getMessage()));
    }
  }

  private static PeersException timedOut(String where, Duration timeout, Throwable cause) {
    return new PeersException(where + ": timed out after " + seconds(timeout), cause);
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /** The exception's message, or its type when it has none (ConnectException often has none). */
  private static String reason(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  /** The start of an error body: servers often say there why (a bad API key, say). */
  private static String snippet(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String oneLine = body.strip().replaceAll("\\s+", " ");
    return ": " + (oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 197) + "...");
  }
}
