package dev.ferry.web;

import dev.ferry.core.FerryException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * IPFS Cluster's {@code POST /add} query beyond the pin options (its {@code api.AddParams}), read
 * and checked once at the edge: a malformed value of a known option is a 400 naming it, unknown
 * options are ignored, as IPFS Cluster does. Defaults are IPFS Cluster's ({@code cid-version} 0,
 * {@code stream-channels} true, balanced layout, {@code size-262144} chunks, sha2-256).
 *
 * <p>Immutable.
 */
record AddOptions(boolean local, boolean recursive, boolean hidden, boolean wrap, boolean progress,
    boolean streamChannels, boolean noCopy, boolean noPin, String format, String layout, String chunker,
    Integer cidVersion, Boolean rawLeaves, String hash) {
  private static final Set<String> FORMATS = Set.of("unixfs", "car");
  private static final Set<String> LAYOUTS = Set.of("balanced", "trickle");

  /**
   * Reads the query ({@code param} answers a parameter's value or null).
   *
   * @throws FerryException {@code bad-request} naming the option whose value is malformed
   */
  static AddOptions fromQuery(Function<String, String> param) {
    String format = given(param, "format", "unixfs");
    if (!FORMATS.contains(format)) {
      throw FerryException.badRequest("format: expected unixfs or car, got '" + format + "'");
    }
    String layout = given(param, "layout", "balanced");
    if (!LAYOUTS.contains(layout)) {
      throw FerryException.badRequest("layout: expected balanced or trickle, got '" + layout + "'");
    }
    if (bool(param.apply("trickle"), "trickle", false)) {  // Kubo's name for layout=trickle
      if (param.apply("layout") != null && !layout.equals("trickle")) {
        throw FerryException.badRequest("trickle: true contradicts layout=" + layout + "; give one of them");
      }
      layout = "trickle";
    }
    if (bool(param.apply("shard"), "shard", false)) {
      throw FerryException.badRequest("shard: sharding is not supported by ferry; leave shard out or false");
    }
    String version = param.apply("cid-version");
    Integer cidVersion = null;
    if (version != null && !version.isBlank()) {
      try {
        cidVersion = Integer.parseInt(version.trim());
      } catch (NumberFormatException e) {
        cidVersion = -1;
      }
      if (cidVersion != 0 && cidVersion != 1) {
        throw FerryException.badRequest("cid-version: expected 0 or 1, got '" + version + "'");
      }
    }
    String rawLeaves = param.apply("raw-leaves");
    return new AddOptions(bool(param.apply("local"), "local", false), bool(param.apply("recursive"), "recursive", false),
        bool(param.apply("hidden"), "hidden", false), bool(param.apply("wrap-with-directory"), "wrap-with-directory",
        false), bool(param.apply("progress"), "progress", false),
        bool(param.apply("stream-channels"), "stream-channels", true), bool(param.apply("nocopy"), "nocopy", false),
        bool(param.apply("no-pin"), "no-pin", false), format, layout, given(param, "chunker", null), cidVersion,
        rawLeaves == null || rawLeaves.isBlank() ? null : bool(rawLeaves, "raw-leaves", false),
        given(param, "hash", null));
  }

  /**
   * The options of the daemon's {@code add} (Kubo's names) these stand for: {@code cid-version}
   * (IPFS Cluster's default 0), and {@code raw-leaves}, {@code chunker}, {@code hash},
   * {@code trickle}, {@code wrap-with-directory} when given.
   */
  Map<String, String> kuboOptions() {
    Map<String, String> options = new TreeMap<>();
    // a hash other than sha2-256 cannot be named by a CIDv0: then 1, as Kubo does
    boolean v0Hash = hash == null || hash.equals("sha2-256");
    options.put("cid-version", String.valueOf(cidVersion != null ? cidVersion : v0Hash ? 0 : 1));
    if (rawLeaves != null) {
      options.put("raw-leaves", String.valueOf(rawLeaves));
    }
    if (chunker != null) {
      options.put("chunker", chunker);
    }
    if (hash != null) {
      options.put("hash", hash);
    }
    if (layout.equals("trickle")) {
      options.put("trickle", "true");
    }
    if (wrap) {
      options.put("wrap-with-directory", "true");
    }
    return options;
  }

  /**
   * A boolean query value as Go's {@code strconv.ParseBool} reads it (1, t, true, 0, f, false, in
   * any of Go's cases); {@code fallback} when absent or empty.
   *
   * @throws FerryException {@code bad-request} naming {@code name}
   */
  static boolean bool(String text, String name, boolean fallback) {
    if (text == null || text.isEmpty()) {
      return fallback;
    }
    return switch (text) {
      case "1", "t", "T", "true", "TRUE", "True" -> true;
      case "0", "f", "F", "false", "FALSE", "False" -> false;
      default -> throw FerryException.badRequest(name + ": expected true or false, got '" + text + "'");
    };
  }

  private static String given(Function<String, String> param, String name, String fallback) {
    String text = param.apply(name);
    return text == null || text.isBlank() ? fallback : text.trim();
  }
}
