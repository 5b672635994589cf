package dev.ferry.ctl;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The {@code multipart/form-data} body of {@code ctl add} as IPFS Cluster's client sends it (go-ipfs-files'
 * {@code MultiFileReader}): one part named {@code file} per file and per directory, each named by its
 * path from the top of the upload, query-escaped ({@code dir%2Fa.txt}); a directory is an empty part of
 * type {@code application/x-directory} before its entries, which come sorted by name; hidden entries
 * (names starting with a dot) only with {@code --hidden}. Files are streamed from disk as the body is
 * sent. Immutable.
 */
final class Multipart {
  static final String FIELD = "file";
  static final String DIRECTORY_TYPE = "application/x-directory";
  private static final String FILE_TYPE = "application/octet-stream";
  private static final String CRLF = "\r\n";

  private final String boundary = "ferry-" + UUID.randomUUID();
  private final List<BodyPublisher> parts = new ArrayList<>();
  private long fileBytes;

  /**
   * @param recursive whether a directory may be given ({@code -r})
   * @param hidden whether entries whose name starts with a dot are sent ({@code --hidden})
   * @throws CtlException for a path that cannot be read, or a directory without {@code recursive}
   */
  Multipart(List<Path> paths, boolean recursive, boolean hidden) throws CtlException {
    for (Path given : paths) {
      Path path = given.toAbsolutePath().normalize();
      if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
        throw new CtlException("", "lstat " + given + ": no such file or directory");
      }
      if (Files.isDirectory(path) && !recursive) {
        throw new CtlException("", given + " is a directory, but Recursive option is not set");
      }
      Path name = path.getFileName();
      add(path, name == null ? "" : name.toString(), hidden);
    }
    parts.add(text("--" + boundary + "--" + CRLF));
  }

  private void add(Path path, String name, boolean hidden) throws CtlException {
    if (Files.isDirectory(path)) {
      header(name, DIRECTORY_TYPE);
      parts.add(text(CRLF));
      List<Path> entries;
      try (Stream<Path> list = Files.list(path)) {
        entries = list.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
      } catch (IOException e) {
        throw new CtlException("", "open " + path + ": " + e.getMessage());
      }
      for (Path entry : entries) {
        String entryName = entry.getFileName().toString();
        if (hidden || !entryName.startsWith(".")) {
          add(entry, name + "/" + entryName, hidden);
        }
      }
      return;
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new CtlException("", "open " + path + ": not a readable file");
    }
    header(name, FILE_TYPE);
    try {
      parts.add(BodyPublishers.ofFile(path));
      fileBytes += Files.size(path);
    } catch (FileNotFoundException e) {
      throw new CtlException("", "open " + path + ": " + e.getMessage());
    } catch (IOException e) {
      throw new CtlException("", "stat " + path + ": " + e.getMessage());
    }
    parts.add(text(CRLF));
  }

  private void header(String name, String type) {
    parts.add(text("--" + boundary + CRLF + "Content-Disposition: form-data; name=\"" + FIELD + "\"; filename=\""
        + URLEncoder.encode(name, StandardCharsets.UTF_8) + "\"" + CRLF + "Content-Type: " + type + CRLF + CRLF));
  }

  String contentType() {
    return "multipart/form-data; boundary=" + boundary;
  }

  BodyPublisher body() {
    return BodyPublishers.concat(parts.toArray(BodyPublisher[]::new));
  }

  /** The bytes of the files alone, for a progress bar. */
  long fileBytes() {
    return fileBytes;
  }

  private static BodyPublisher text(String text) {
    return BodyPublishers.ofString(text, StandardCharsets.UTF_8);
  }
}
