package dev.ferry.testing;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A {@code multipart/form-data} body for tests: one part named "file" per file, its name as the
 * part's file name. Stateless.
 */
public final class MultipartBody {
  private MultipartBody() {}

  /** The body with {@code boundary}, one part per entry of {@code files} (file name, URL-encoded as js-ipfs and Kubo read it, to bytes), in its order. */
  public static byte[] of(String boundary, Map<String, byte[]> files) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    files.forEach((name, bytes) -> {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
          + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20") + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      body.writeBytes(bytes);
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    });
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return body.toByteArray();
  }

  /** The {@code Content-Type} of a body made with {@code boundary}. */
  public static String type(String boundary) {
    return "multipart/form-data; boundary=" + boundary;
  }
}
