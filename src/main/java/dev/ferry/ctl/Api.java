package dev.ferry.ctl;

import dev.ferry.ctl.CtlException.ApiError;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A blocking client of a node's HTTP API (docs/API.md) for {@code ferry ctl}, as IPFS Cluster's
 * REST client behaves: requests go to the first of the {@code --host} endpoints and fail over to
 * the next while one cannot be reached; an answer with status 400-599 becomes an
 * {@link ApiError} with the body's {@code code} and {@code message}, a request that got no answer
 * an {@link ApiError} with code 0. A CLI runs one request after the other on its own thread, so
 * this uses {@link HttpClient} rather than an event loop. Not shared between threads.
 */
final class Api {
  /** How long connecting to one endpoint may take before the next is tried. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final int UNAUTHORIZED = 401;
  private static final int FIRST_ERROR_STATUS = 400;
  private static final int LAST_ERROR_STATUS = 599;

  /** A request body and its type. */
  record Body(String contentType, BodyPublisher publisher) {}

  /** What {@link Api} needs from the global options. */
  record Settings(List<URI> endpoints, Duration timeout, Optional<String> authorization, boolean noCheckCertificate,
      Optional<PrintWriter> debug) {}

  private final Settings settings;
  // HTTP/1.1: over plain http the client's h2c upgrade only costs a round trip
  private final HttpClient client;

  Api(Settings settings) throws CtlException {
    this.settings = settings;
    Duration connect = settings.timeout().isZero() || CONNECT_TIMEOUT.compareTo(settings.timeout()) < 0
        ? CONNECT_TIMEOUT : settings.timeout();
    HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connect).followRedirects(HttpClient.Redirect.NEVER);
    if (settings.noCheckCertificate()) {
      builder.sslContext(trustingEveryCertificate());
    }
    this.client = builder.build();
  }

  /** One JSON answer: an object, an array, or null for an empty body. */
  Object call(String method, String path) throws CtlException {
    return call(method, path, null);
  }

  Object call(String method, String path, Body body) throws CtlException {
    HttpResponse<InputStream> response = send(method, path, body);
    try (InputStream in = response.body()) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? null : decode(text, response);
    } catch (IOException e) {
      throw new ApiError(0, method + " " + response.uri() + ": the answer broke off: " + reason(e));
    }
  }

  /**
   * A streamed answer: one JSON value per line as they arrive (IPFS Cluster's streams, ferry's
   * newline-delimited JSON), or the elements of one JSON array. {@code each} runs per value.
   */
  void stream(String method, String path, Body body, Each each) throws CtlException {
    HttpResponse<InputStream> response = send(method, path, body);
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        Object value = decode(line.strip(), response);
        if (value instanceof JsonArray array && line.strip().startsWith("[")) {
          for (Object item : array) {
            each.accept(item);
          }
        } else {
          each.accept(value);
        }
      }
    } catch (IOException e) {
      throw new ApiError(0, method + " " + response.uri() + ": the answer broke off: " + reason(e));
    }
  }

  /** What {@link #stream} does with each value. */
  interface Each {
    void accept(Object value) throws CtlException;
  }

  /** {@code ?k=v&...} of the entries whose value is not null, encoded; empty when there are none. */
  static String query(Map<String, ?> params) {
    String query = params.entrySet().stream()
        .filter(e -> e.getValue() != null)
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
            + URLEncoder.encode(String.valueOf(e.getValue()), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    return query.isEmpty() ? "" : "?" + query;
  }

  private HttpResponse<InputStream> send(String method, String path, Body body) throws CtlException {
    ApiError last = null;
    for (URI endpoint : settings.endpoints()) {
      HttpRequest request = request(endpoint, method, path, body);
      debug("--> " + method + " " + request.uri());
      HttpResponse<InputStream> response;
      try {
        response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      } catch (HttpConnectTimeoutException | ConnectException e) {
        last = new ApiError(0, method + " " + request.uri() + ": " + reason(e) + " (is a ferry node's API there? "
            + "give its address with --host)");
        debug("<-- " + last.getMessage() + (settings.endpoints().size() > 1 ? "; trying the next endpoint" : ""));
        continue;
      } catch (HttpTimeoutException e) {
        throw new ApiError(0, method + " " + request.uri() + ": no answer within "
            + GoDuration.format(settings.timeout()) + " (--timeout)");
      } catch (SSLException e) {
        throw new ApiError(0, method + " " + request.uri() + ": TLS failed: " + reason(e)
            + (settings.noCheckCertificate() ? "" : " (a self-signed certificate needs --no-check-certificate)")
            + " (a plain-http API needs an http:// --host, or --force-http with --basic-auth)");
      } catch (IOException e) {
        if (e.getCause() instanceof ConnectException) {
          last = new ApiError(0, method + " " + request.uri() + ": " + reason(e)
              + " (is a ferry node's API there? give its address with --host)");
          continue;
        }
        throw new ApiError(0, method + " " + request.uri() + ": " + reason(e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ApiError(0, method + " " + request.uri() + ": interrupted");
      }
      debug("<-- " + response.statusCode() + " " + request.uri());
      if (response.statusCode() >= FIRST_ERROR_STATUS && response.statusCode() <= LAST_ERROR_STATUS) {
        throw error(response);
      }
      return response;
    }
    throw last;
  }

  private HttpRequest request(URI endpoint, String method, String path, Body body) {
    String base = endpoint.toString().replaceAll("/+$", "");
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "application/json");
    if (!settings.timeout().isZero()) {
      request.timeout(settings.timeout());
    }
    settings.authorization().ifPresent(value -> request.header("Authorization", value));
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", body.contentType()).method(method, body.publisher());
    }
    return request.build();
  }

  /** The answer's {@code {"code", "message"}}; an answer in another shape is its status and its text. */
  private ApiError error(HttpResponse<InputStream> response) {
    String text;
    try (InputStream in = response.body()) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return new ApiError(response.statusCode(), reason(e));
    }
    int code = response.statusCode();
    String message = text;
    try {
      JsonObject json = new JsonObject(text);
      code = json.getInteger("code", code);
      message = json.getString("message", text);
    } catch (DecodeException | ClassCastException e) {
      // not JSON: IPFS Cluster's client keeps the body as the message too
    }
    if (code == UNAUTHORIZED && settings.authorization().isEmpty()) {
      message += " (this node has users: pass --basic-auth USER:PASSWORD)";
    }
    return new ApiError(code, message);
  }

  private static Object decode(String text, HttpResponse<?> response) throws ApiError {
    try {
      return Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new ApiError(response.statusCode(), "the node answered something other than JSON: " + e.getMessage());
    }
  }

  private void debug(String line) {
    settings.debug().ifPresent(err -> {
      err.println("DEBUG\tcluster-ctl\t" + line);
      err.flush();
    });
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

  /** {@code --no-check-certificate}: any certificate, for any name (as Go's InsecureSkipVerify). */
  private static SSLContext trustingEveryCertificate() throws CtlException {
    TrustManager any = new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {any}, new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new CtlException("creating API client", "no TLS context for --no-check-certificate: " + e.getMessage());
    }
  }
}
