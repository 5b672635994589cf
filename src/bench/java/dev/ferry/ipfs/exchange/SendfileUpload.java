package dev.ferry.ipfs.exchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client that posts one file as a one-part {@code multipart/form-data} body
 * with the kernel's {@code sendfile} ({@link FileChannel#transferTo} into a {@link SocketChannel}),
 * so that the add benchmark's client costs the machine little besides the kernel's loopback TCP: the
 * JDK's {@code java.net.http} streams a file through heap buffers and its own threads, about 0.8–1 ms of
 * CPU per MB on this machine's two cores, which the servers measured then do not get. Plain HTTP to
 * 127.0.0.1 only, {@code Connection: close}, the response read to its end (chunked or not). Blocking,
 * on the calling thread; for benchmarks, not a general client.
 */
final class SendfileUpload {
  private static final int MAX_RESPONSE = 1 << 20;

  private SendfileUpload() {}

  /** The response: its status code and body. */
  record Response(int status, String body) {}

  /** Posts {@code file} to {@code uri} as the part {@code file}, waits for the whole response. */
  static Response post(URI uri, Path file) throws IOException {
    String boundary = "bench-" + System.nanoTime();
    byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
        SocketChannel socket = SocketChannel.open(new InetSocketAddress(uri.getHost(), uri.getPort()))) {
      long size = in.size();
      String request = "POST " + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
          + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\nContent-Type: multipart/form-data; "
          + "boundary=" + boundary + "\r\nContent-Length: " + (head.length + size + tail.length)
          + "\r\nConnection: close\r\n\r\n";
      writeFully(socket, ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
      writeFully(socket, ByteBuffer.wrap(head));
      for (long sent = 0; sent < size; ) {
        long n = in.transferTo(sent, size - sent, socket);
        if (n <= 0) {
          throw new IOException("sendfile stopped at " + sent + " of " + size + " bytes of " + file);
        }
        sent += n;
      }
      writeFully(socket, ByteBuffer.wrap(tail));
      return read(socket);
    }
  }

  private static void writeFully(SocketChannel socket, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      socket.write(buffer);
    }
  }

  private static Response read(SocketChannel socket) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    while (socket.read(buffer.clear()) >= 0) {
      all.write(buffer.array(), 0, buffer.position());
      if (all.size() > MAX_RESPONSE) {
        throw new IOException("response larger than " + MAX_RESPONSE + " bytes");
      }
    }
    String text = all.toString(StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.1 ") || end < 0) {
      throw new IOException("not an HTTP/1.1 response: " + text.substring(0, Math.min(200, text.length())));
    }
    int status = Integer.parseInt(text.substring(9, 12));
    String headers = text.substring(0, end).toLowerCase(Locale.ROOT);
    String body = text.substring(end + 4);
    if (headers.contains("\r\ntransfer-encoding: chunked")) {
      body = dechunk(body);
    }
    return new Response(status, new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
  }

  private static String dechunk(String chunked) throws IOException {
    StringBuilder body = new StringBuilder();
    int at = 0;
    while (true) {
      int line = chunked.indexOf("\r\n", at);
      if (line < 0) {
        throw new IOException("chunked response cut short after " + body.length() + " bytes");
      }
      int length = Integer.parseInt(chunked.substring(at, line).split(";", 2)[0].strip(), 16);
      if (length == 0) {
        return body.toString();
      }
      body.append(chunked, line + 2, line + 2 + length);
      at = line + 2 + length + 2;
    }
  }
}
