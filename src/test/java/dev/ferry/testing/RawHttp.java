package dev.ferry.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, for requests {@link Http}'s client refuses to send (a malformed
 * percent-escape, a request line or headers over a server's limits). One request per connection
 * ({@code Connection: close}); the answer is read until the server closes, or for at most 15 s.
 */
public final class RawHttp {
  private static final int TIMEOUT_MS = 15_000;

  /** An answer: the status code, its headers as sent (lower-cased names) and its body as text. */
  public record Answer(int status, String head, String body) {
    /** The first value of header {@code name}, or null. */
    public String header(String name) {
      String wanted = name.toLowerCase(Locale.ROOT) + ":";
      return head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(wanted))
          .map(l -> l.substring(wanted.length()).trim()).findFirst().orElse(null);
    }
  }

  private RawHttp() {}

  /** Sends {@code method target} with {@code headers} (each "Name: value") and no body. */
  public static Answer send(int port, String method, String target, String... headers) {
    StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1:").append(port).append("\r\n").append("Connection: close\r\n");
    for (String header : headers) {
      head.append(header).append("\r\n");
    }
    head.append("\r\n");
    return exchange(port, head.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  private static Answer exchange(int port, byte[] request) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
      socket.setSoTimeout(TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      String answer = readAll(socket.getInputStream());
      int end = answer.indexOf("\r\n\r\n");
      if (end < 0) {
        throw new IllegalStateException("no complete HTTP answer: '" + answer + "'");
      }
      String head = answer.substring(0, end);
      int status = Integer.parseInt(head.split(" ", 3)[1]);
      String body = answer.substring(end + 4);
      return new Answer(status, head, dechunk(head, body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        bytes.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException e) {
      // the server kept the connection open: take what came
    } catch (IOException e) {
      if (bytes.size() == 0) {
        throw e;   // a reset after the answer is fine; a reset instead of one is not
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** The body of a chunked answer without its chunk framing. */
  private static String dechunk(String head, String body) {
    if (!head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
      return body;
    }
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < body.length()) {
      int eol = body.indexOf("\r\n", at);
      int size = Integer.parseInt(body.substring(at, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(body, eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
    return out.toString();
  }
}
