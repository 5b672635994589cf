package dev.ferry.ipfs;

import dev.ferry.core.FerryException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.multipart.MultipartForm;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * An {@link IpfsConnector} over the Kubo RPC API ({@code POST /api/v0/...}), as Kubo and js-ipfs
 * serve it. Daemons name CIDv1s in base32 or base58btc; everything read back is a {@link Cid}.
 *
 * <p>Thread-safe.
 */
public final class KuboRpcConnector implements IpfsConnector {
  /** How long a call other than {@code pin} may take: they touch only the daemon's own store. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  /** The daemon's answer to unpinning what is not pinned: for us, already done. */
  private static final String NOT_PINNED = "not pinned";
  /** The daemon's answer to a direct pin of what it pins recursively: that pin keeps the block already. */
  private static final String PINNED_RECURSIVELY = "already pinned recursively";
  /** The trailer in which Kubo reports a failure after a streamed answer has begun. */
  private static final String STREAM_ERROR = "X-Stream-Error";

  private final URI api;
  private final Vertx vertx;
  private final WebClient client;
  /**
   * For uploads from files, written around an async file (the web client reads files with blocking
   * calls), and for answers read as they stream ({@code pin/ls}).
   */
  private final HttpClient streams;

  /**
   * A connector to the daemon whose RPC API is at {@code api} (such as {@code http://127.0.0.1:5001})
   * with Vert.x's default number of connections: for tools and tests; a node sizes its pool
   * ({@link #KuboRpcConnector(Vertx, URI, int)}).
   */
  public KuboRpcConnector(Vertx vertx, URI api) {
    this(vertx, api, PoolOptions.DEFAULT_MAX_POOL_SIZE);
  }

  /**
   * A connector to the daemon whose RPC API is at {@code api} that keeps up to {@code connections}
   * connections to it open at once (more calls wait for one): a tracker runs
   * {@code pin.concurrent_pins} pins at once, each holding a connection until the daemon answers.
   */
  public KuboRpcConnector(Vertx vertx, URI api, int connections) {
    if (!"http".equals(api.getScheme()) || api.getHost() == null) {
      throw FerryException.badRequest("ipfs.api: expected http://host:port, got " + api);
    }
    this.api = api;
    this.vertx = vertx;
    this.client = WebClient.create(vertx, new WebClientOptions()
        .setDefaultHost(api.getHost())
        .setDefaultPort(api.getPort() > 0 ? api.getPort() : 80)
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(connections));
    this.streams = vertx.createHttpClient(new HttpClientOptions()
        .setDefaultHost(api.getHost())
        .setDefaultPort(api.getPort() > 0 ? api.getPort() : 80)
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(connections));
  }

  @Override
  public Future<IpfsId> id() {
    return call("id", CALL_TIMEOUT).send().transform(r -> json("id", r.map(Answer::of))).map(body -> {
      JsonArray addresses = body.getJsonArray("Addresses", new JsonArray());
      return new IpfsId(body.getString("ID"), addresses.stream().map(String::valueOf).toList(),
          body.getString("AgentVersion", ""));
    });
  }

  @Override
  public Future<List<String>> swarmPeers() {
    return call("swarm/peers", CALL_TIMEOUT).send().transform(r -> json("swarm/peers", r.map(Answer::of)))
        .map(body -> {
          JsonArray peers = body.getJsonArray("Peers");
          return peers == null ? List.<String>of() : peers.stream()
              .map(p -> ((JsonObject) p).getString("Peer")).filter(p -> p != null).toList();
        });
  }

  @Override
  public Future<Cid> resolve(String path) {
    return call("resolve", CALL_TIMEOUT).addQueryParam("arg", path).addQueryParam("recursive", "true").send()
        .transform(r -> json("resolve " + path, r.map(Answer::of)))
        .map(body -> {
          String resolved = body.getString("Path", "");
          return Cid.parse(resolved.startsWith("/ipfs/") ? resolved.substring("/ipfs/".length()).split("/")[0] : resolved);
        });
  }

  @Override
  public Future<Cid> add(Buffer content, String name) {
    MultipartForm form = MultipartForm.create().binaryFileUpload("file", name, content, "application/octet-stream");
    return call("add", CALL_TIMEOUT).addQueryParam("cid-version", "1").addQueryParam("pin", "true")
        .sendMultipartForm(form)
        .transform(r -> json("add " + name, r.map(Answer::of)))
        .map(body -> Cid.parse(body.getString("Hash")));
  }

  @Override
  public Future<Cid> add(Path file, String name) {
    return upload("/api/v0/add?cid-version=1&pin=true", List.of(new AddEntry(name, file)), "file")
        .transform(r -> json("add " + name, r))
        .map(body -> Cid.parse(body.getString("Hash")));
  }

  @Override
  public Future<List<Added>> add(List<AddEntry> entries, Map<String, String> options) {
    StringBuilder uri = new StringBuilder("/api/v0/add?pin=false&progress=false");
    options.forEach((name, value) -> uri.append('&').append(escape(name)).append('=').append(escape(value)));
    String what = "add of " + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies");
    return upload(uri.toString(), withParents(entries), "file").transform(r -> lines(what, r)).map(lines -> {
      List<Added> added = new ArrayList<>();
      for (JsonObject line : lines) {
        if (line.getString("Hash") != null) {
          added.add(new Added(line.getString("Name", ""), Cid.parse(line.getString("Hash")),
              Long.parseLong(String.valueOf(line.getValue("Size", "0")))));
        }
      }
      return added;
    });
  }

  /**
   * {@inheritDoc} The daemon names the roots only when it pins them (js-ipfs answers nothing with
   * {@code pin-roots=false}), so it pins them and the pins are removed at once: the cluster decides
   * where the root is pinned.
   */
  @Override
  public Future<List<Cid>> importCar(Path car) {
    return upload("/api/v0/dag/import?pin-roots=true", List.of(new AddEntry("car", car)), "file")
        .transform(r -> lines("dag/import", r))
        .map(lines -> lines.stream().filter(line -> line.getJsonObject("Root") != null)
            .map(line -> Cid.parse(line.getJsonObject("Root").getJsonObject("Cid").getString("/"))).toList())
        .compose(roots -> Future.all(roots.stream().map(this::unpin).toList()).map(x -> roots));
  }

  /**
   * Posts {@code entries} as one multipart body to {@code uri}, each file read from disk with
   * Vert.x's async file API as it is sent (neither held in memory nor read with blocking calls on
   * the event loop), a directory as an {@code application/x-directory} part.
   */
  private Future<Answer> upload(String uri, List<AddEntry> entries, String field) {
    String boundary = "ferry-" + Long.toHexString(System.nanoTime());
    Buffer tail = Buffer.buffer("--" + boundary + "--\r\n");
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI(uri)
        .setIdleTimeout(CALL_TIMEOUT.toMillis());
    List<Future<Long>> sizes = entries.stream().map(e -> e.file() == null ? Future.succeededFuture(0L)
        : vertx.fileSystem().props(e.file().toString()).map(props -> props.size())).toList();
    return Future.all(sizes).compose(x -> streams.request(options).compose(out -> {
      // taken from the start: a daemon answers each file as soon as it has read it, while later
      // files are still being sent, and what arrives before a body handler is set would be lost
      Future<Answer> answered = out.response()
          .compose(answer -> answer.body().map(body -> new Answer(answer.statusCode(), body)));
      long length = tail.length();
      List<Buffer> heads = new ArrayList<>();
      for (int i = 0; i < entries.size(); i++) {
        AddEntry entry = entries.get(i);
        Buffer head = Buffer.buffer("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field
            + "\"; filename=\"" + escape(entry.path()) + "\"\r\nContent-Type: "
            + (entry.file() == null ? "application/x-directory" : "application/octet-stream") + "\r\n\r\n");
        heads.add(head);
        length += head.length() + sizes.get(i).result() + 2;
      }
      out.putHeader(HttpHeaders.CONTENT_TYPE, "multipart/form-data; boundary=" + boundary)
          .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(length));
      Future<Void> sent = Future.succeededFuture();
      for (int i = 0; i < entries.size(); i++) {
        AddEntry entry = entries.get(i);
        Buffer head = heads.get(i);
        sent = sent.compose(y -> out.write(head)).compose(y -> entry.file() == null ? Future.succeededFuture()
            : vertx.fileSystem().open(entry.file().toString(), new OpenOptions().setRead(true)).compose(in ->
                in.pipe().endOnSuccess(false).to(out).eventually(in::close)))
            .compose(y -> out.write(Buffer.buffer("\r\n")));
      }
      return sent.compose(y -> out.end(tail)).compose(y -> answered);
    }));
  }

  /** The entries with a directory entry before the first file of each parent directory, as Kubo's multipart wants. */
  private static List<AddEntry> withParents(List<AddEntry> entries) {
    List<AddEntry> all = new ArrayList<>();
    Set<String> made = new HashSet<>();
    for (AddEntry entry : entries) {
      String path = entry.path();
      for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
        String parent = path.substring(0, slash);
        if (made.add(parent)) {
          all.add(new AddEntry(parent, null));
        }
      }
      if (entry.file() != null || made.add(path)) {
        all.add(entry);
      }
    }
    return all;
  }

  /** Percent-escapes everything but unreserved characters and {@code /}, as Kubo's multipart file names are read. */
  private static String escape(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~/".indexOf(c) >= 0)) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  /** Every JSON line of a daemon's streamed answer, or the failure that says what went wrong with {@code what}. */
  private Future<List<JsonObject>> lines(String what, AsyncResult<Answer> result) {
    return json(what, result).map(last -> {
      String body = result.result().bodyAsString();
      String text = body == null ? "" : body.strip();  // an empty answer (nothing collected, nothing added)
      return text.lines().filter(line -> !line.isBlank()).map(JsonObject::new).toList();
    });
  }

  @Override
  public Future<Void> pin(Cid cid, Duration timeout) {
    // the daemon gives up itself after timeout; the HTTP call waits a little longer for that answer
    return call("pin/add", timeout.plusSeconds(5)).addQueryParam("arg", cid.toString())
        .addQueryParam("timeout", timeout.toMillis() + "ms")
        .send()
        .transform(r -> json("pin " + cid, r.map(Answer::of)))
        .mapEmpty();
  }

  @Override
  public Future<Void> pinDirect(Cid cid, Duration timeout) {
    return call("pin/add", timeout.plusSeconds(5)).addQueryParam("arg", cid.toString())
        .addQueryParam("recursive", "false").addQueryParam("timeout", timeout.toMillis() + "ms")
        .send()
        .transform(r -> json("direct pin " + cid, r.map(Answer::of)))
        .<Void>mapEmpty()
        .recover(e -> String.valueOf(e.getMessage()).contains(PINNED_RECURSIVELY)
            ? Future.succeededFuture() : Future.failedFuture(e));
  }

  /**
   * {@inheritDoc} Kubo's {@code pin/update} with {@code unpin=false}, as IPFS Cluster's connector
   * calls it. A daemon without that command (js-ipfs answers 404) or that does not pin
   * {@code from} recursively gets a plain {@code pin/add} instead; a timeout is not tried again.
   */
  @Override
  public Future<Void> pinUpdate(Cid from, Cid to, Duration timeout) {
    return call("pin/update", timeout.plusSeconds(5)).addQueryParam("arg", from.toString())
        .addQueryParam("arg", to.toString()).addQueryParam("unpin", "false")
        .addQueryParam("timeout", timeout.toMillis() + "ms")
        .send()
        .transform(r -> json("pin update " + from + " to " + to, r.map(Answer::of)))
        .<Void>mapEmpty()
        .recover(e -> FerryException.TIMEOUT.equals(FerryException.from(e).code()) ? Future.failedFuture(e)
            : pin(to, timeout));
  }

  /** {@inheritDoc} One {@code swarm/connect} per origin, all at once. */
  @Override
  public Future<Void> connect(List<String> origins) {
    List<Future<JsonObject>> tried = origins.stream().map(origin -> call("swarm/connect", CALL_TIMEOUT)
        .addQueryParam("arg", origin).send()
        .transform(r -> json("connect to " + origin, r.map(Answer::of)))).toList();
    return Future.join(tried).mapEmpty();
  }

  @Override
  public Future<Void> unpin(Cid cid) {
    return call("pin/rm", CALL_TIMEOUT).addQueryParam("arg", cid.toString()).send()
        .transform(r -> json("unpin " + cid, r.map(Answer::of)))
        .<Void>mapEmpty()
        .recover(e -> e.getMessage() != null && e.getMessage().contains(NOT_PINNED)
            ? Future.succeededFuture() : Future.failedFuture(e));
  }

  @Override
  public Future<Long> pinLs(Consumer<Cid> each) {
    return pinLs("recursive", each);
  }

  @Override
  public Future<Long> pinLsDirect(Consumer<Cid> each) {
    return pinLs("direct", each);
  }

  /** The pins of {@code type} ({@code recursive}, {@code direct}), handed to {@code each}. */
  private Future<Long> pinLs(String type, Consumer<Cid> each) {
    // streamed: one JSON object per line ({"Cid", "Type"}), each handed on as it arrives; a daemon
    // that ignores stream=true answers one {"Keys": {...}} object, read the same way
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
        .setURI("/api/v0/pin/ls?type=" + type + "&stream=true").setIdleTimeout(CALL_TIMEOUT.toMillis());
    return streams.request(options).compose(HttpClientRequest::send).compose(response -> {
      if (response.statusCode() != 200) {
        return response.body().transform(body -> json("pin/ls",
            body.map(b -> new Answer(response.statusCode(), b)))).mapEmpty();
      }
      Promise<Long> listed = Promise.promise();
      long[] count = {0};
      RecordParser lines = RecordParser.newDelimited("\n", response);
      lines.exceptionHandler(listed::tryFail);
      lines.handler(line -> {
        try {
          count[0] += pinLine(line, each);
        } catch (RuntimeException e) {
          response.request().reset();
          listed.tryFail(e);
        }
      });
      lines.endHandler(end -> {
        String streamError = response.getTrailer(STREAM_ERROR);
        if (streamError != null && !streamError.isBlank()) {
          listed.tryFail(new FerryException(FerryException.UNAVAILABLE, this + ": pin/ls: " + streamError));
        } else {
          listed.tryComplete(count[0]);
        }
      });
      return listed.future();
    }).recover(e -> e instanceof FerryException ? Future.failedFuture(e)
        : json("pin/ls", Future.failedFuture(e)).mapEmpty());
  }

  /** Hands on the CIDs of one line of {@code pin/ls}: {@code {"Cid"}}, {@code {"Keys": {cid: ...}}} or an error. */
  private long pinLine(Buffer line, Consumer<Cid> each) {
    if (line.length() == 0 || line.toString(StandardCharsets.UTF_8).isBlank()) {
      return 0;
    }
    JsonObject item;
    try {
      item = new JsonObject(line);
    } catch (DecodeException e) {
      throw new FerryException(FerryException.UNAVAILABLE, this + ": pin/ls answered a line that is not JSON: "
          + e.getMessage(), e);
    }
    if (item.getValue("Cid") instanceof String cid) {
      each.accept(Cid.parse(cid));
      return 1;
    }
    if (item.getValue("Keys") instanceof JsonObject keys) {
      keys.fieldNames().forEach(k -> each.accept(Cid.parse(k)));
      return keys.size();
    }
    throw new FerryException(FerryException.UNAVAILABLE, this + ": pin/ls: "
        + item.getString("Message", "unexpected line " + item.encode()));
  }

  /** {@inheritDoc} Its lines, {@code {"Key": {"/": cid}}} or {@code {"Error"}}, read once it has ended. */
  @Override
  public Future<Garbage> repoGc(Duration timeout) {
    return call("repo/gc", timeout).send().transform(r -> lines("repo/gc", r.map(Answer::of))).map(lines -> {
      List<Cid> removed = new ArrayList<>();
      List<String> errors = new ArrayList<>();
      for (JsonObject line : lines) {
        Object key = line.getValue("Key");
        if (key instanceof JsonObject link && link.getString("/") != null) {
          removed.add(Cid.parse(link.getString("/")));
        } else if (key instanceof String text && !text.isEmpty()) {
          removed.add(Cid.parse(text));
        }
        if (line.getString("Error") != null && !line.getString("Error").isEmpty()) {
          errors.add(line.getString("Error"));
        }
      }
      return new Garbage(removed, errors);
    });
  }

  @Override
  public Future<RepoStat> repoStat() {
    return sized(call("repo/stat", CALL_TIMEOUT))
        .map(body -> new RepoStat(number(body, "RepoSize"), number(body, "StorageMax"), number(body, "NumObjects"),
            body.getString("RepoPath", ""), body.getString("Version", "")));
  }

  /** {@code repo/stat?size-only=true}: the daemon answers from its datastore's size, counting no blocks. */
  @Override
  public Future<RepoSpace> repoSpace() {
    return sized(call("repo/stat", CALL_TIMEOUT).addQueryParam("size-only", "true"))
        .map(body -> new RepoSpace(number(body, "RepoSize"), number(body, "StorageMax")));
  }

  /** The answer of a {@code repo/stat} call, which must carry {@code RepoSize} and {@code StorageMax}. */
  private Future<JsonObject> sized(HttpRequest<Buffer> stat) {
    return stat.send().transform(r -> json("repo/stat", r.map(Answer::of)))
        .compose(body -> body.containsKey("RepoSize") && body.containsKey("StorageMax") ? Future.succeededFuture(body)
            // an unknown size is not zero free space: the freespace informer reports nothing rather than a full disk
            : Future.failedFuture(new FerryException(FerryException.UNAVAILABLE, this
                + ": repo/stat answered without RepoSize and StorageMax: " + body.encode())));
  }

  /** A whole number the daemon answered as a JSON number or string (uint64 beyond a long is capped). */
  private static long number(JsonObject body, String field) {
    Object value = body.getValue(field);
    try {
      return value == null ? 0 : new BigDecimal(value.toString()).min(BigDecimal.valueOf(Long.MAX_VALUE))
          .longValue();
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  @Override
  public Future<Void> close() {
    client.close();
    return streams.close();
  }

  @Override
  public String toString() {
    return "IPFS daemon at " + api;
  }

  private HttpRequest<Buffer> call(String command, Duration timeout) {
    return client.post("/api/v0/" + command).timeout(timeout.toMillis());
  }

  /** A daemon's answer, from either client: status and body. */
  private record Answer(int statusCode, Buffer body) {
    static Answer of(HttpResponse<Buffer> response) {
      return new Answer(response.statusCode(), response.body());
    }

    String bodyAsString() {
      return body == null ? null : body.toString(StandardCharsets.UTF_8);
    }
  }

  /** The daemon's JSON answer, or the failure that says what went wrong with {@code what}. */
  private Future<JsonObject> json(String what, AsyncResult<Answer> result) {
    if (result.failed()) {
      Throwable cause = result.cause();
      boolean timedOut = cause instanceof TimeoutException
          || String.valueOf(cause.getMessage()).contains("timeout");
      return Future.failedFuture(new FerryException(timedOut ? FerryException.TIMEOUT : FerryException.UNAVAILABLE,
          this + ": " + what + " failed: " + cause.getMessage()
              + (timedOut ? "" : "; start the daemon, or set ipfs.api to where it listens"), cause));
    }
    Answer response = result.result();
    JsonObject body;
    try {
      // a streaming command answers one JSON object per line; ours end with the one we need
      String text = response.bodyAsString() == null ? "{}" : response.bodyAsString().strip();
      body = new JsonObject(text.substring(text.lastIndexOf('\n') + 1));
    } catch (DecodeException e) {
      return Future.failedFuture(new FerryException(FerryException.UNAVAILABLE, this + ": " + what
          + " answered " + response.statusCode() + " with something other than JSON: " + e.getMessage(), e));
    }
    if (response.statusCode() == 200) {
      return Future.succeededFuture(body);
    }
    String message = body.getString("Message", "HTTP " + response.statusCode());
    String code = message.contains("timed out") ? FerryException.TIMEOUT
        : response.statusCode() == 400 ? FerryException.BAD_REQUEST : FerryException.UNAVAILABLE;
    return Future.failedFuture(new FerryException(code, this + ": " + what + ": " + message));
  }
}
