package dev.ferry.web;

import dev.ferry.ipfs.Cid;
import dev.ferry.ipfs.store.DagPb;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The HTML page the gateway generates for a directory without an {@code index.html}: one row per
 * entry with its name (a link to it), its CID and its DAG size ({@code Tsize}, read from the
 * directory's own block, as the path gateway specification suggests, so a large directory needs no
 * read of its children), and links to the directory as a CAR. Stateless.
 */
final class DirectoryIndex {
  private DirectoryIndex() {}

  /** The page for the directory {@code cid} at {@code path} (ending in '/') with {@code entries}. */
  static String html(String path, Cid cid, List<DagPb.Link> entries) {
    String title = escape(path);
    StringBuilder page = new StringBuilder()
        .append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(title).append("</title>")
        .append("</head>\n<body>\n<h1>Index of ").append(title).append("</h1>\n<p>")
        .append(escape(cid.toString())).append(" · <a href=\"?format=car\">download as CAR</a></p>\n")
        .append("<table>\n<tr><th>name</th><th>CID</th><th>DAG size (bytes)</th></tr>\n");
    for (DagPb.Link entry : entries) {
      String name = entry.name() == null ? "" : entry.name();
      page.append("<tr><td><a href=\"./").append(escape(URLEncoder.encode(name, StandardCharsets.UTF_8)
              .replace("+", "%20"))).append("\">").append(escape(name)).append("</a></td><td>")
          .append(escape(entry.hash().toString())).append("</td><td>")
          .append(entry.tsize() == null ? "" : entry.tsize()).append("</td></tr>\n");
    }
    return page.append("</table>\n</body></html>\n").toString();
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
        .replace("'", "&#39;");
  }
}
