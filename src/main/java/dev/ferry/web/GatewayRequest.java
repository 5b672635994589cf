package dev.ferry.web;

import dev.ferry.core.FerryException;
import dev.ferry.ipfs.Cid;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A request to the gateway ({@code GET|HEAD /ipfs/{cid}[/{path}]}), read and checked at the edge
 * as the IPFS path gateway specification reads it: the CID, the path's segments (unescaped), the
 * response format from {@code format} or, failing that, {@code Accept} ({@code format} wins), the
 * CAR's parameters ({@code dag-scope}, {@code entity-bytes}, {@code car-dups} or the {@code Accept}
 * type's {@code dups}), a {@code Range}, {@code If-None-Match} and {@code Cache-Control: only-if-cached}.
 * A malformed CID or option is a {@code bad-request} naming it; a format this gateway does not
 * produce is a {@link NotAcceptable} (406).
 *
 * <p>Immutable.
 */
record GatewayRequest(Cid root, List<String> path, boolean trailingSlash, String contentPath, Format format,
    boolean negotiated, Scope scope, boolean dups, Optional<EntityBytes> entityBytes, Optional<String> range, Optional<String> ifNoneMatch,
    boolean onlyIfCached, Optional<String> filename, boolean download) {

  /** What the answer is: the file (or directory) itself, one raw block, or a CAR. */
  enum Format { DESERIALIZED, RAW, CAR }

  /** {@code dag-scope}: which blocks a CAR carries after those that prove the path. */
  enum Scope { ALL, ENTITY, BLOCK }

  static final String RAW_TYPE = "application/vnd.ipld.raw";
  static final String CAR_TYPE = "application/vnd.ipld.car";
  private static final String PREFIX = "/ipfs/";
  /** The formats of the path gateway specification this gateway does not produce. */
  private static final List<String> OTHER_FORMATS = List.of("tar", "dag-json", "dag-cbor", "json", "cbor",
      "ipns-record");

  /** A response format the gateway does not produce (406), with what it offers instead. */
  static final class NotAcceptable extends RuntimeException {
    NotAcceptable(String message) {
      super(message);
    }
  }

  /**
   * Reads the request of {@code ctx}.
   *
   * @throws FerryException {@code bad-request} for a malformed CID or option
   * @throws NotAcceptable for a format or CAR variant that is not produced here
   */
  static GatewayRequest of(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String raw = request.path();
    String rest = raw.startsWith(PREFIX) ? raw.substring(PREFIX.length()) : "";
    List<String> segments = new ArrayList<>();
    for (String segment : rest.split("/")) {
      if (segment.equals(".") || segment.equals("..")) {
        throw FerryException.badRequest(raw + ": '" + segment + "' segments are not followed: name the path "
            + "from its CID down");
      }
      if (!segment.isEmpty()) {
        segments.add(unescape(segment));
      }
    }
    if (segments.isEmpty()) {
      throw FerryException.badRequest("GET /ipfs/{cid}[/{path}]: the CID is missing");
    }
    Cid root = Cid.parse(segments.remove(0));
    String formatParam = request.getParam("format");
    Optional<MediaRange> accepted = accepted(request.getHeader(HttpHeaders.ACCEPT));
    Format byAccept = accepted.map(m -> m.type().equals(RAW_TYPE) ? Format.RAW : Format.CAR)
        .orElse(Format.DESERIALIZED);
    boolean negotiated = formatParam == null || formatParam.isEmpty();
    Format format = negotiated ? byAccept : format(formatParam);
    negotiated &= accepted.isPresent();
    // a CAR's parameters come from the Accept type that asks for a CAR, whether or not format chose it
    Map<String, String> car = format == Format.CAR && byAccept == Format.CAR ? accepted.get().params() : Map.of();
    Scope scope = Scope.ALL;
    boolean dups = false;
    Optional<EntityBytes> entityBytes = Optional.empty();
    if (format == Format.CAR) {
      scope = scope(request.getParam("dag-scope"));
      String bytes = request.getParam(EntityBytes.PARAM);
      if (bytes != null) {
        entityBytes = Optional.of(EntityBytes.parse(bytes));
        String asked = request.getParam("dag-scope");
        if (asked != null && !asked.isEmpty() && scope != Scope.ENTITY) {
          throw FerryException.badRequest(EntityBytes.PARAM + "=" + bytes + " ranges an entity: it goes with "
              + "dag-scope=entity (which it implies), not dag-scope=" + asked);
        }
        scope = Scope.ENTITY;
      }
      checkCarVersion(param(request, "car-version", car.get("version")));
      String order = param(request, "car-order", car.get("order"));
      if (order != null && !order.equals("dfs") && !order.equals("unk")) {
        throw new NotAcceptable("CAR order '" + order + "': this gateway writes CARs in order=dfs");
      }
      dups = dups(param(request, "car-dups", car.get("dups")));
    }
    String cacheControl = request.getHeader(HttpHeaders.CACHE_CONTROL);
    return new GatewayRequest(root, List.copyOf(segments), raw.endsWith("/"), raw, format,
        negotiated, scope, dups, entityBytes, Optional.ofNullable(request.getHeader("Range")),
        Optional.ofNullable(request.getHeader(HttpHeaders.IF_NONE_MATCH)),
        cacheControl != null && cacheControl.toLowerCase(Locale.ROOT).contains("only-if-cached"),
        Optional.ofNullable(request.getParam("filename")).filter(name -> !name.isEmpty()),
        "true".equals(request.getParam("download")));
  }

  /** Whether {@code etag} matches {@code If-None-Match} (weak comparison, as RFC 9110 asks for it). */
  boolean notModified(String etag) {
    if (ifNoneMatch.isEmpty()) {
      return false;
    }
    String ours = weakless(etag);
    for (String tag : ifNoneMatch.get().split(",")) {
      String theirs = weakless(tag.trim());
      if (theirs.equals("*") || theirs.equals(ours)) {
        return true;
      }
    }
    return false;
  }

  /** The URL of this answer with its format in the query, for {@code Content-Location} when {@code Accept} chose it. */
  Optional<String> contentLocation() {
    if (!negotiated) {
      return Optional.empty();
    }
    String format = this.format == Format.RAW ? "raw" : "car";
    return Optional.of(contentPath + "?format=" + format);
  }

  private static String weakless(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }

  private static Format format(String name) {
    return switch (name) {
      case "raw" -> Format.RAW;
      case "car" -> Format.CAR;
      default -> {
        if (OTHER_FORMATS.contains(name)) {
          throw new NotAcceptable("format=" + name + " is not produced by this gateway: ask for the file itself, "
              + "format=raw (a block) or format=car");
        }
        throw FerryException.badRequest("format=" + name + ": unknown format (this gateway gives raw and car)");
      }
    };
  }

  private static Scope scope(String name) {
    if (name == null || name.isEmpty()) {
      return Scope.ALL;
    }
    return switch (name) {
      case "all" -> Scope.ALL;
      case "entity" -> Scope.ENTITY;
      case "block" -> Scope.BLOCK;
      default -> throw FerryException.badRequest("dag-scope=" + name + ": expected block, entity or all");
    };
  }

  private static void checkCarVersion(String version) {
    if (version != null && !version.equals("1")) {
      throw new NotAcceptable("CAR version " + version + ": this gateway writes CARv1 (version=1)");
    }
  }

  private static boolean dups(String value) {
    if (value == null || value.equals("n")) {
      return false;
    }
    if (value.equals("y")) {
      return true;
    }
    throw FerryException.badRequest("CAR dups '" + value + "': expected y or n");
  }

  /** The query parameter {@code name} if given, else {@code fromAccept}. */
  private static String param(HttpServerRequest request, String name, String fromAccept) {
    String value = request.getParam(name);
    return value != null && !value.isEmpty() ? value : fromAccept;
  }

  /** One media range of an {@code Accept} header: its type, lower case, and parameters but {@code q}. */
  private record MediaRange(String type, double q, Map<String, String> params) {}

  /**
   * The most preferred of {@code application/vnd.ipld.raw} and {@code application/vnd.ipld.car} in
   * {@code accept} (by {@code q}, then order), if either is acceptable at all.
   */
  private static Optional<MediaRange> accepted(String accept) {
    if (accept == null) {
      return Optional.empty();
    }
    List<MediaRange> ranges = new ArrayList<>();
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      Map<String, String> params = new HashMap<>();
      double q = 1;
      for (int i = 1; i < parts.length; i++) {
        String[] pair = parts[i].split("=", 2);
        String key = pair[0].trim().toLowerCase(Locale.ROOT);
        String value = pair.length > 1 ? pair[1].trim().replace("\"", "") : "";
        if (key.equals("q")) {
          q = quality(value);
        } else {
          params.put(key, value);
        }
      }
      ranges.add(new MediaRange(parts[0].trim().toLowerCase(Locale.ROOT), q, params));
    }
    return ranges.stream()
        .filter(m -> m.q() > 0 && (m.type().equals(RAW_TYPE) || m.type().equals(CAR_TYPE)))
        .max(Comparator.comparingDouble(MediaRange::q).thenComparing((a, b) -> ranges.indexOf(b) - ranges.indexOf(a)));
  }

  private static double quality(String value) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw FerryException.badRequest("Accept: the quality q=" + value + " is not a number");
    }
  }

  /** A path segment with its percent-escapes decoded ({@link UriCheck} has checked them); '+' stays '+'. */
  private static String unescape(String segment) {
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw FerryException.badRequest("the path segment '" + segment + "' has a malformed percent-escape");
    }
  }
}
