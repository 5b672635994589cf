package dev.ferry.ctl;

import java.io.FileNotFoundException;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A {@code multipart/form-data} body of files, one part named {@value #FIELD} per file, streamed
 * from disk as it is sent (RFC 7578). Immutable.
 */
final class Multipart {
  static final String FIELD = "file";
  private static final String CRLF = "\r\n";

  private final String boundary = "ferry-" + UUID.randomUUID();
  private final BodyPublisher body;

  /** @throws CtlException for a path that is not a readable regular file, naming it */
  Multipart(List<Path> files) throws CtlException {
    List<BodyPublisher> parts = new ArrayList<>();
    for (Path file : files) {
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new CtlException("cannot add " + file + ": " + (Files.isDirectory(file) ? "it is a directory; "
            + "give its files" : Files.exists(file) ? "it is not a readable file" : "no such file"));
      }
      parts.add(text("--" + boundary + CRLF
          + "Content-Disposition: form-data; name=\"" + FIELD + "\"; filename=\"" + quoted(file.getFileName()) + "\""
          + CRLF + "Content-Type: application/octet-stream" + CRLF + CRLF));
      try {
        parts.add(BodyPublishers.ofFile(file));
      } catch (FileNotFoundException e) {
        throw new CtlException("cannot add " + file + ": " + e.getMessage(), e);
      }
      parts.add(text(CRLF));
    }
    parts.add(text("--" + boundary + "--" + CRLF));
    this.body = BodyPublishers.concat(parts.toArray(BodyPublisher[]::new));
  }

  String contentType() {
    return "multipart/form-data; boundary=" + boundary;
  }

  BodyPublisher body() {
    return body;
  }

  /** A file name as a quoted string: quotes and line breaks percent-encoded, as browsers send them. */
  private static String quoted(Path name) {
    return name.toString().replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
  }

  private static BodyPublisher text(String text) {
    return BodyPublishers.ofString(text, StandardCharsets.UTF_8);
  }
}
